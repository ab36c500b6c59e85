package main

import (
	"context"
	"fmt"

	"handsetd/devices/models"
	"handsetd/udev"
)

func init() {
	register(&command{
		name:    "udev-rules",
		usage:   "udev-rules [--bindir DIR] [--models DIR]",
		summary: "print the udev rules generated from the model database",
		run:     runUdevRules,
	})
	register(&command{
		name:    "udev-probe",
		usage:   "udev-probe hidrawN | --sysfs SYSPATH",
		summary: "udev IMPORT{program} probe: print HANDSETD_TELEPHONY=1 for a HID Telephony device",
		run:     runUdevProbe,
	})
}

func runUdevRules(ctx context.Context, env *cmdEnv, args []string) error {
	fs := newFlagSet(env, commands["udev-rules"])
	bindir := fs.String("bindir", udev.DefaultBinDir, "directory of the handsetd binary that udev runs as the probe")
	userModels := fs.String("models", "", "also cover the model files of this directory (see handsetd(8), FILES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errUsage
	}
	// Load("") is the builtin database. A user file that Load skips is an
	// error here: rules without the model that was asked for would look
	// like they worked.
	db, err := models.Load(*userModels)
	if err != nil {
		return err
	}
	b, err := udev.Rules(db.All(), udev.Options{BinDir: *bindir})
	if err != nil {
		return err
	}
	_, err = env.stdout.Write(b)
	return err
}

// runUdevProbe exits 0 on every outcome but a usage error: udev ignores
// the output of a failed IMPORT{program} anyway, and the only answer that
// grants anything is the property line, printed after a clean parse.
func runUdevProbe(ctx context.Context, env *cmdEnv, args []string) error {
	fs := newFlagSet(env, commands["udev-probe"])
	syspath := fs.String("sysfs", "", "the hidraw device's sysfs path (udev's %S%p) instead of its name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var path string
	switch {
	case *syspath != "" && fs.NArg() == 0:
		path = udev.SyspathDescriptor(*syspath)
	case *syspath == "" && fs.NArg() == 1:
		p, err := udev.DescriptorPath("/sys", fs.Arg(0))
		if err != nil {
			fmt.Fprintf(env.stderr, "handsetd udev-probe: %v\n", err)
			return nil
		}
		path = p
	default:
		return errUsage
	}
	v, err := udev.ProbeFile(path)
	if err != nil {
		fmt.Fprintf(env.stderr, "handsetd udev-probe: %v\n", err)
		return nil
	}
	_, err = fmt.Fprint(env.stdout, v.Properties())
	return err
}
