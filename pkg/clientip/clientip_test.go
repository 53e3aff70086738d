package clientip

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestResolve(t *testing.T) {
	r, err := NewResolver("10.0.0.0/8, 192.168.1.7, ::ffff:172.16.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"an untrusted peer's header is ignored", "203.0.113.9:5000", []string{"1.2.3.4"}, "203.0.113.9"},
		{"a trusted proxy's header names the client", "10.1.2.3:80", []string{"198.51.100.4"}, "198.51.100.4"},
		{"a forged entry left of the real one is ignored", "10.1.2.3:80", []string{"1.1.1.1, 198.51.100.4"}, "198.51.100.4"},
		{"chained trusted proxies are skipped", "10.1.2.3:80", []string{"198.51.100.4, 192.168.1.7", "10.9.9.9"}, "198.51.100.4"},
		{"only proxies: the leftmost", "10.1.2.3:80", []string{"10.0.0.2"}, "10.0.0.2"},
		{"garbage stops at the last known hop", "10.1.2.3:80", []string{"not-an-ip, 10.0.0.5"}, "10.0.0.5"},
		{"a trusted peer without the header", "192.168.1.7:80", nil, "192.168.1.7"},
		{"mapped addresses are unmapped", "[::ffff:172.16.0.1]:80", []string{"::ffff:198.51.100.4"}, "198.51.100.4"},
		{"IPv6 peer", "[2001:db8::1]:443", nil, "2001:db8::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.peer
			for _, h := range tc.xff {
				req.Header.Add("X-Forwarded-For", h)
			}
			if got := r.Resolve(req).String(); got != tc.want {
				t.Fatalf("Resolve = %s; want %s", got, tc.want)
			}
		})
	}
}

func TestNewResolverRefusesGarbage(t *testing.T) {
	if _, err := NewResolver("10.0.0.0/8, proxy.example.com"); err == nil {
		t.Fatal("a host name was accepted as a trusted proxy")
	}
	r, err := NewResolver("")
	if err != nil || len(r.trusted) != 0 {
		t.Fatalf("empty list: %v %v; want nobody trusted", r.trusted, err)
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.4":         "198.51.100.4",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
	} {
		if got := Key(netip.MustParseAddr(in)); got != want {
			t.Errorf("Key(%s) = %s; want %s", in, got, want)
		}
	}
	if got := Key(netip.Addr{}); got != "unknown" {
		t.Errorf("Key(zero) = %s", got)
	}
}

func TestContext(t *testing.T) {
	a := netip.MustParseAddr("198.51.100.4")
	if got := FromContext(NewContext(context.Background(), a)); got != a {
		t.Fatalf("FromContext = %v", got)
	}
	if got := FromContext(context.Background()); got.IsValid() {
		t.Fatalf("FromContext of a bare context = %v; want the zero Addr", got)
	}
}
