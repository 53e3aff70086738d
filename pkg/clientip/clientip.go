// Package clientip tells which client a request came from: the connection's peer, or, when the
// peer is a reverse proxy the operator trusts, the address that proxy forwarded the request for.
//
// X-Forwarded-For is only believed from trusted proxies, and read from the right: every proxy
// appends the peer it saw, so the rightmost address that is not a trusted proxy is the first
// one nobody could forge. Anything left of it was written by the client itself.
package clientip

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds the client address of requests.
type Resolver struct {
	trusted []netip.Prefix
}

// NewResolver trusts the proxies in list: comma-separated addresses ("10.0.0.7") or CIDR ranges
// ("10.0.0.0/8"). An empty list trusts nobody: the client is always the connection's peer.
func NewResolver(list string) (*Resolver, error) {
	r := &Resolver{}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			r.trusted = append(r.trusted, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR range", item)
		}
		a = a.Unmap()
		r.trusted = append(r.trusted, netip.PrefixFrom(a, a.BitLen()))
	}
	return r, nil
}

// Resolve returns the client address of req, or the zero Addr when its peer is not an IP
// address (a test's in-memory connection).
func (r *Resolver) Resolve(req *http.Request) netip.Addr {
	peer := parseHostPort(req.RemoteAddr)
	if !peer.IsValid() || !r.isTrusted(peer) {
		return peer
	}
	hops := req.Header.Values("X-Forwarded-For")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				// A hop a trusted proxy would never write: stop at the last one we can vouch for.
				return client
			}
			client = a.Unmap()
			if !r.isTrusted(client) {
				return client
			}
		}
	}
	return client
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func parseHostPort(s string) netip.Addr {
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// Key is what throttles count one client by: the IPv4 address, or the /64 an IPv6 address is
// in, since a single host is usually handed a whole /64. The zero Addr is "unknown".
func Key(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is4():
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

type contextKey struct{}

// NewContext returns ctx carrying the client address a.
func NewContext(ctx context.Context, a netip.Addr) context.Context {
	return context.WithValue(ctx, contextKey{}, a)
}

// FromContext returns the client address NewContext put in ctx, or the zero Addr.
func FromContext(ctx context.Context) netip.Addr {
	a, _ := ctx.Value(contextKey{}).(netip.Addr)
	return a
}
