package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"handsetd/hid"
	"handsetd/hid/hidraw"
)

func init() {
	register(&command{
		name:    "list",
		usage:   "list [--json]",
		summary: "list the HID devices present and mark the telephony ones",
		run:     runList,
	})
}

// listed is one HID device (one hidraw node) as list shows it.
type listed struct {
	Path         string `json:"path"`
	VendorID     uint16 `json:"vendor_id"`
	ProductID    uint16 `json:"product_id"`
	Product      string `json:"product"`
	Manufacturer string `json:"manufacturer"`
	Serial       string `json:"serial"`
	Interface    int    `json:"interface"`
	UsagePage    uint16 `json:"usage_page"`
	Usage        uint16 `json:"usage"`
	Telephony    bool   `json:"telephony"`
	SysfsPath    string `json:"sysfs_path"`
}

// The hidraw calls, replaceable by tests that run without devices.
var (
	enumerateHID  = hidraw.Enumerate
	hidDescriptor = hidraw.ReadDescriptor
)

const noDevicesHint = "no HID devices found. If a handset is plugged in, check that /dev/hidraw* exist " +
	"and that this user may read them: install the udev rules that grant access (uaccess or a group), " +
	"then unplug and re-plug the handset, or run as root to compare."

func runList(ctx context.Context, env *cmdEnv, args []string) error {
	fs := newFlagSet(env, commands["list"])
	asJSON := fs.Bool("json", false, "print JSON with stable snake_case names")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errUsage
	}
	infos, err := enumerateHID()
	if err != nil {
		return err
	}
	devs := groupDevices(infos)
	if len(devs) == 0 {
		fmt.Fprintln(env.stderr, noDevicesHint)
	}
	if *asJSON {
		if devs == nil {
			devs = []listed{}
		}
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(devs)
	}
	if len(devs) == 0 {
		return nil
	}
	return writeListText(env.stdout, devs)
}

// groupDevices makes one entry per node from hidapi's one entry per
// top-level collection. A node is telephony when its parsed descriptor has
// a Telephony application collection, or - when the descriptor cannot be
// read or parsed - when a collection is on the Telephony page. The usage
// shown is the first Telephony page collection's, else the first one's.
func groupDevices(infos []hidraw.DeviceInfo) []listed {
	var out []listed
	first := map[string]hidraw.DeviceInfo{}
	index := map[string]int{}
	for _, in := range infos {
		i, seen := index[in.Path]
		if !seen {
			index[in.Path] = len(out)
			first[in.Path] = in
			out = append(out, listed{
				Path:         in.Path,
				VendorID:     in.VendorID,
				ProductID:    in.ProductID,
				Product:      in.Product,
				Manufacturer: in.Manufacturer,
				Serial:       in.Serial,
				Interface:    in.Interface,
				UsagePage:    in.UsagePage,
				Usage:        in.Usage,
				Telephony:    in.IsTelephony(),
				SysfsPath:    in.SysfsPath,
			})
			continue
		}
		if in.IsTelephony() && !out[i].Telephony {
			out[i].UsagePage, out[i].Usage, out[i].Telephony = in.UsagePage, in.Usage, true
		}
	}
	for i := range out {
		raw, err := hidDescriptor(first[out[i].Path])
		if err != nil {
			continue
		}
		if d, err := hid.ParseReportDescriptor(raw); err == nil {
			out[i].Telephony = d.HasTelephony()
		}
	}
	return out
}

func writeListText(w io.Writer, devs []listed) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tID\tINTERFACE\tUSAGE\tTELEPHONY\tPRODUCT\tMANUFACTURER\tSERIAL")
	for _, d := range devs {
		tel := "-"
		if d.Telephony {
			tel = "yes"
		}
		fmt.Fprintf(tw, "%s\t%04x:%04x\t%d\t%04x:%04x\t%s\t%s\t%s\t%s\n",
			d.Path, d.VendorID, d.ProductID, d.Interface, d.UsagePage, d.Usage, tel,
			orDash(d.Product), orDash(d.Manufacturer), orDash(d.Serial))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
