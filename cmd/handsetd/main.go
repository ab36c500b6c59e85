// Command handsetd is a userspace driver for USB telephone handsets: it
// turns hook, keypad and mute actions into phone-API commands for the
// softphone over D-Bus, and the softphone's call state into ring, off-hook,
// hold and mute indicators. See handsetd(8) and README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand. Each lives in its own file and registers
// itself from init, so main stays a dispatcher.
type command struct {
	name    string
	usage   string // "describe [--json] FILE|/dev/hidrawN"
	summary string
	run     func(ctx context.Context, env *cmdEnv, args []string) error
}

// cmdEnv is what a subcommand may touch of the process, so tests can run
// subcommands in-process with their own streams.
type cmdEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("handsetd: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// errUsage makes main print the command's usage and exit 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &cmdEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(runMain(ctx, env, os.Args[1:]))
}

// runMain dispatches to a subcommand and returns the exit status.
func runMain(ctx context.Context, env *cmdEnv, args []string) int {
	name := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		printHelp(env.stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.stderr, "handsetd: unknown command %q\n\n", name)
		printHelp(env.stderr)
		return 2
	}
	err := c.run(ctx, env, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		if err != errUsage {
			fmt.Fprintf(env.stderr, "handsetd %s: %v\n", name, err)
		}
		fmt.Fprintf(env.stderr, "usage: handsetd %s\n", c.usage)
		return 2
	default:
		fmt.Fprintf(env.stderr, "handsetd %s: %v\n", name, err)
		return 1
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: handsetd [COMMAND] [FLAGS] [ARGS]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'handsetd COMMAND -h' for a command's flags.")
}

// newFlagSet returns a flag set that writes its usage to env.stderr and
// returns errors instead of exiting.
func newFlagSet(env *cmdEnv, c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("handsetd "+c.name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "usage: handsetd %s\n\n%s\n\n", c.usage, c.summary)
		fs.PrintDefaults()
	}
	return fs
}
