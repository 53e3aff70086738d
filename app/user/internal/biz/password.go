package biz

import (
	"context"
	"runtime"

	"github.com/alexedwards/argon2id"

	confv1 "github.com/douyin-kratos/douyin/api/conf/v1"
)

// Argon2idHasher hashes passwords with argon2id. A stored hash records its own parameters, so
// changing the configuration only affects new hashes.
type Argon2idHasher struct {
	params *argon2id.Params
	// slots bounds the hashes computed at once: each holds memory_kib of RAM and a core, so a
	// burst of logins queues instead of exhausting the machine.
	slots chan struct{}
}

// NewArgon2idHasher returns a hasher with the configured cost (auth.password_hashing).
func NewArgon2idHasher(cfg *confv1.PasswordHashing) *Argon2idHasher {
	slots := int(cfg.GetMaxConcurrent())
	if slots <= 0 {
		slots = runtime.NumCPU()
	}
	return &Argon2idHasher{
		params: &argon2id.Params{
			Memory:      cfg.GetMemoryKib(),
			Iterations:  cfg.GetIterations(),
			Parallelism: uint8(cfg.GetParallelism()),
			SaltLength:  16,
			KeyLength:   32,
		},
		slots: make(chan struct{}, slots),
	}
}

// Hash returns the encoded argon2id hash of password.
func (h *Argon2idHasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return argon2id.CreateHash(password, h.params)
}

// Verify reports whether password matches hash, in constant time.
func (h *Argon2idHasher) Verify(ctx context.Context, password, hash string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	return argon2id.ComparePasswordAndHash(password, hash)
}

func (h *Argon2idHasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Argon2idHasher) release() { <-h.slots }
