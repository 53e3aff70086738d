package web

import (
	"net"
	"strings"
)

// URLs are the addresses at which a person opens the client served on the listener at addr
// (host:port): the machine's own name for it and, when it listens on every interface, one per
// address a phone on the same network can reach. Interfaces of containers and virtual machines
// (docker0, br-..., veth..., virbr...) are left out: no phone is on them.
func URLs(addr string) (local string, lan []string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil
	}
	wildcard := host == "" || host == "0.0.0.0" || host == "::"
	if !wildcard {
		return "http://" + net.JoinHostPort(host, port) + "/", nil
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return "http://localhost:" + port + "/", nil
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagLoopback != 0 || virtual(iface.Name) {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipnet, ok := a.(*net.IPNet)
			// IPv4 only: the address a person types on a phone. Link-local addresses
			// (169.254.x.x) are what an interface has when it found no network.
			if !ok || ipnet.IP.To4() == nil || ipnet.IP.IsLinkLocalUnicast() {
				continue
			}
			lan = append(lan, "http://"+net.JoinHostPort(ipnet.IP.String(), port)+"/")
		}
	}
	return "http://localhost:" + port + "/", lan
}

func virtual(name string) bool {
	for _, p := range []string{"docker", "br-", "veth", "virbr", "cni", "flannel", "podman", "lxc", "vboxnet", "vmnet"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
