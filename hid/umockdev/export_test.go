//go:build umockdev

package umockdev

// NextDevNode returns the hidraw node the next AddHandset or Replug on t
// creates, so that a test can wait for it to appear.
func NextDevNode(t *Testbed) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return "/dev/hidraw" + itoa(t.nextRaw)
}
