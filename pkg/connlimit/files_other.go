//go:build !unix

package connlimit

// RaiseOpenFiles reports no limit where the process has none to raise.
func RaiseOpenFiles() (uint64, error) { return 0, nil }
