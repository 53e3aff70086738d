// Package videotest is what the tests of the video app and of the processes that run it share
// about the files it stores.
package videotest

import (
	"encoding/binary"
	"fmt"
)

// TopLevelBoxes lists the types of the top-level boxes of an mp4 or mov file, in order, all of
// them. A box that claims less than its header or more than is left makes it an error: the
// file is not a sequence of boxes.
func TopLevelBoxes(b []byte) ([]string, error) {
	var types []string
	for len(b) >= 8 {
		size := uint64(binary.BigEndian.Uint32(b))
		if size == 1 && len(b) >= 16 {
			size = binary.BigEndian.Uint64(b[8:])
		}
		if size == 0 {
			size = uint64(len(b))
		}
		if size < 8 || size > uint64(len(b)) {
			return types, fmt.Errorf("a box of %d bytes with %d left, after %v", size, len(b), types)
		}
		types = append(types, string(b[4:8]))
		b = b[size:]
	}
	return types, nil
}
