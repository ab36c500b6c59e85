package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"handsetd/phoneapi/phoneapitest"
)

// simRun runs `handsetd run --simulate=model` in-process on a private bus
// with the test host, audio off, and returns its output and the writer of
// its terminal.
func simRun(t *testing.T, model string) (host *phoneapitest.Host, out *lockedBuf, keys io.Writer) {
	t.Helper()
	addr := phoneapitest.StartBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), hostTestTimeout)
	t.Cleanup(cancel)
	host, err := phoneapitest.Start(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })
	conf := filepath.Join(t.TempDir(), "handsetd.conf")
	if err := os.WriteFile(conf, []byte("[audio]\nroute = off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin, w := io.Pipe()
	out = &lockedBuf{}
	env := &cmdEnv{stdin: stdin, stdout: out, stderr: out, getenv: func(string) string { return "" }}
	code := make(chan int, 1)
	go func() {
		code <- runMain(ctx, env, []string{"run", "--bus=" + addr, "--config=" + conf, "--log-level=warn", "--simulate=" + model})
	}()
	t.Cleanup(func() {
		cancel()
		w.Close()
		if c := <-code; c != 0 {
			t.Errorf("handsetd run exited %d:\n%s", c, out.String())
		}
	})
	if _, err := host.WaitClients(ctx, 1); err != nil {
		t.Fatalf("%v; output:\n%s", err, out.String())
	}
	return host, out, w
}

func typeLine(t *testing.T, w io.Writer, line string) {
	t.Helper()
	if _, err := io.WriteString(w, line+"\n"); err != nil {
		t.Fatal(err)
	}
}

func waitCommand(t *testing.T, host *phoneapitest.Host, n int, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostTestTimeout)
	defer cancel()
	if _, err := host.WaitCommandAfter(ctx, n, phoneapitest.Text(text)); err != nil {
		t.Fatalf("%s: %v; commands: %v", text, err, host.Commands())
	}
}

func TestRunSimulateCM109(t *testing.T) {
	host, out, keys := simRun(t, "cm109")
	waitOutput(t, out, "simulated C-Media CM109 USB phone: type h to lift or replace the handset")
	ctx, cancel := context.WithTimeout(context.Background(), hostTestTimeout)
	defer cancel()
	if _, err := host.Ring(ctx, "alice", "Alice"); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, out, "handset: ring on\n")

	n := len(host.Commands())
	typeLine(t, keys, "h")
	waitOutput(t, out, "handset: handset lifted (off hook)\n")
	waitCommand(t, host, n, "BTN_PRESSED YES")
	waitCommand(t, host, n, "BTN_RELEASED YES")
	waitOutput(t, out, "handset: ring off\n") // the host answered

	n = len(host.Commands())
	typeLine(t, keys, "5 m")
	waitOutput(t, out, "handset: keys 5 pressed\nhandset: mute pressed\n")
	waitCommand(t, host, n, "BTN_PRESSED 5")
	waitCommand(t, host, n, "BTN_RELEASED 5")
	waitCommand(t, host, n, "MUTE ON")

	n = len(host.Commands())
	typeLine(t, keys, "h")
	waitOutput(t, out, "handset: handset replaced (on hook)\n")
	waitCommand(t, host, n, "BTN_PRESSED NO")

	typeLine(t, keys, "f")
	waitOutput(t, out, "handset: simulate: the device has no such control: flash key\n")
}

func TestRunSimulateYealink(t *testing.T) {
	host, out, keys := simRun(t, "yealink-usb-p1k")
	waitOutput(t, out, "simulated Yealink USB-P1K: type h")
	typeLine(t, keys, "1 m")
	waitOutput(t, out, "handset: keys 1 pressed\nhandset: simulate: the device has no such control: mute\n")
	waitCommand(t, host, 0, "BTN_PRESSED 1")
	waitCommand(t, host, 0, "BTN_RELEASED 1")
}
