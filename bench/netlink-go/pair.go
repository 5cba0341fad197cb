// The Go peer of bench/run.js's netlink case: the same connected netns pair
// (two new network namespaces, a veth across them, an address on each end,
// both ends up, a route, everything closed) with vishvananda/netlink and
// vishvananda/netns, the libraries the CNI plugins use.
//
// Built by the bench into a temporary directory from Debian's packages
// (golang-go, golang-github-vishvananda-netlink-dev,
// golang-github-vishvananda-netns-dev) in GOPATH mode:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o DIR/pair bench/netlink-go/pair.go
//
// It stays up for the whole bench and only times the library's work: each
// line it reads on stdin is a number of milliseconds; it runs whole pairs
// until that much time has passed and answers "OPS MS" (the pairs done and
// the milliseconds they took). An empty line or end of input ends it. A
// failure is one line "error: ..." on stdout, then exit 1. `pair -once`
// runs a single pair and says "ok" (a smoke test).
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

func check(err error, what string) {
	if err != nil {
		fmt.Printf("error: %s: %v\n", what, err)
		os.Exit(1)
	}
}

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
	if len(os.Args) > 1 && os.Args[1] == "-once" {
		pair(orig)
		fmt.Println("ok")
		return
	}
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			return
		}
		ms, err := strconv.ParseFloat(line, 64)
		check(err, "a sample length in ms")
		budget := time.Duration(ms * float64(time.Millisecond))
		ops := 0
		t0 := time.Now()
		var spent time.Duration
		for spent < budget {
			pair(orig)
			ops++
			spent = time.Since(t0)
		}
		fmt.Fprintf(out, "%d %.3f\n", ops, float64(spent)/float64(time.Millisecond))
		check(out.Flush(), "stdout")
	}
}
