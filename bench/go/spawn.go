// The Go peer of bench/run.js's 5-namespace spawn (case goSpawn5): os/exec's
// Cmd starting /bin/true in five new namespaces (net, uts, ipc, mnt, pid)
// through SysProcAttr.Cloneflags, the way Go programs start a process in new
// namespaces. Standard library only; built with serve.go (the sampling
// protocol) by bench/go/peer.js:
//
//	GO111MODULE=off go build -o DIR/spawn bench/go/spawn.go bench/go/serve.go
package main

import (
	"os/exec"
	"syscall"
)

const flags = syscall.CLONE_NEWNET | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID

// spawn starts /bin/true in five new namespaces and waits for it.
func spawn() {
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags}
	check(cmd.Run(), "exec.Cmd.Run")
}

func main() {
	serve(spawn)
}
