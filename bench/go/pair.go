// The Go peer of bench/run.js's netlink case (goPair): the same connected
// netns pair (two new network namespaces, a veth across them, an address on
// each end, both ends up, a route, everything closed) with
// vishvananda/netlink and vishvananda/netns, the libraries the CNI plugins
// use. Built with serve.go (the sampling protocol) by bench/go/peer.js from
// Debian's packages (golang-go, golang-github-vishvananda-netlink-dev,
// golang-github-vishvananda-netns-dev) in GOPATH mode:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o DIR/pair bench/go/pair.go bench/go/serve.go
package main

import (
	"net"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// pair is one connected netns pair, set up and torn down, as in bench/run.js.
func pair(orig netns.NsHandle) {
	// netns.New unshares on the calling (locked) thread, which then stays in the new namespace.
	a, err := netns.New()
	check(err, "netns.New")
	b, err := netns.New()
	check(err, "netns.New")
	check(netns.Set(orig), "netns.Set(orig)")
	// One NETLINK_ROUTE socket each (by default a handle opens one per supported family).
	ha, err := netlink.NewHandleAt(a, unix.NETLINK_ROUTE)
	check(err, "NewHandleAt(a)")
	hb, err := netlink.NewHandleAt(b, unix.NETLINK_ROUTE)
	check(err, "NewHandleAt(b)")
	attrs := netlink.NewLinkAttrs()
	attrs.Name = "va"
	va := &netlink.Veth{LinkAttrs: attrs, PeerName: "vb", PeerNamespace: netlink.NsFd(int(b))}
	check(ha.LinkAdd(va), "LinkAdd")
	vb, err := hb.LinkByName("vb")
	check(err, "LinkByName(vb)")
	addrA, err := netlink.ParseAddr("10.99.0.1/24")
	check(err, "ParseAddr")
	check(ha.AddrAdd(va, addrA), "AddrAdd(va)")
	addrB, err := netlink.ParseAddr("10.99.0.2/24")
	check(err, "ParseAddr")
	check(hb.AddrAdd(vb, addrB), "AddrAdd(vb)")
	check(ha.LinkSetUp(va), "LinkSetUp(va)")
	check(hb.LinkSetUp(vb), "LinkSetUp(vb)")
	_, dst, err := net.ParseCIDR("10.98.0.0/24")
	check(err, "ParseCIDR")
	check(ha.RouteAdd(&netlink.Route{Dst: dst, Gw: net.ParseIP("10.99.0.2")}), "RouteAdd")
	ha.Close()
	hb.Close()
	a.Close()
	b.Close()
}

func main() {
	// Namespaces are joined per thread: keep this goroutine on one thread, as CNI plugins do.
	runtime.LockOSThread()
	orig, err := netns.Get()
	check(err, "netns.Get")
	serve(func() { pair(orig) })
}
