package hotplug

import "sync"

// Tracker remembers which device (sysfs path) currently owns each device
// node, to tell current events from stale ones. The kernel reuses
// /dev/hidrawN on re-plug, and udev may deliver the old device's "remove"
// after the new device's "add" (or after the daemon found the new device by
// enumeration): acting on that remove would close the new device.
//
// The zero Tracker is ready to use and safe for concurrent use.
type Tracker struct {
	mu     sync.Mutex
	byNode map[string]string // DevNode -> SysfsPath
}

// Observe records ev and reports whether the caller should act on it. An
// add always counts and makes its device the owner of its node. A remove or
// change counts unless another device now owns its node; a counted remove
// forgets the node. Events for devices without a node always count.
func (t *Tracker) Observe(ev Event) bool {
	if ev.DevNode == "" {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cur, known := t.byNode[ev.DevNode]
	switch ev.Action {
	case Add:
		if t.byNode == nil {
			t.byNode = make(map[string]string)
		}
		t.byNode[ev.DevNode] = ev.SysfsPath
		return true
	case Remove:
		if known && cur != ev.SysfsPath {
			return false
		}
		delete(t.byNode, ev.DevNode)
		return true
	default:
		return !known || cur == ev.SysfsPath
	}
}

// Owner returns the sysfs path of the device that currently owns node.
func (t *Tracker) Owner(node string) (sysfsPath string, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sysfsPath, ok = t.byNode[node]
	return sysfsPath, ok
}
