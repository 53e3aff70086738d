package database

import (
	"sync"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
)

// pinSQLiteMemory keeps one allocation alive in every size class of the allocator under the
// pure-Go SQLite (modernc.org/memory). That allocator maps a 1 MiB page for a size class when
// the class has none and unmaps it as soon as its last allocation is freed, so a statement
// whose preparation is the only user of a class (every write: SQLite builds its program anew
// each time) mapped, faulted in and unmapped a page per execution; the like path spent about a
// tenth of its CPU there. With one allocation pinned, each class keeps its first page. It costs
// 15 pages of address space, of which only the headers are touched.
var pinSQLiteMemory = sync.OnceFunc(func() {
	tls := libc.NewTLS() // never closed: what it allocated lives as long as the process
	for size := 16; size <= 256<<10; size <<= 1 {
		libc.Xmalloc(tls, types.Size_t(size))
	}
})
