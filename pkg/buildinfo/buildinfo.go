// Package buildinfo says which build of the code a process is: what -version prints, the
// douyin_build_info metric and the traces' service.version, all read from what the Go
// toolchain stamped into the binary, so no build step has to remember to pass it in.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
)

// Info is what the binary knows about its build. Fields the toolchain did not stamp (a test
// binary, a build outside a repository, -buildvcs=false) are empty.
type Info struct {
	// Version is the main module's version: a tag, a pseudo-version with a +dirty suffix for
	// uncommitted changes, or "(devel)".
	Version string
	// Revision, Time and Modified describe the commit the binary was built from.
	Revision string
	Time     string
	Modified bool
	// GoVersion is the toolchain that built it.
	GoVersion string
}

// Get returns the binary's build information.
var Get = sync.OnceValue(func() Info {
	info := Info{Version: "(devel)", GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
})

// String is the one line -version prints after the program's name.
func (i Info) String() string {
	s := i.Version
	if i.Revision != "" {
		s += " revision " + i.Revision
		if i.Modified {
			s += " (modified)"
		}
	}
	if i.Time != "" {
		s += " committed " + i.Time
	}
	return fmt.Sprintf("%s %s", s, i.GoVersion)
}
