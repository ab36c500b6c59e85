package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"handsetd/devices/models"
	"handsetd/devices/simulate"
)

func init() {
	register(&command{
		name:    "models",
		usage:   "models [--json]",
		summary: "list the model database: known products, their USB ids and drivers",
		run:     runModels,
	})
}

// modelRow is one line of `handsetd models --json`.
type modelRow struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	VendorID     string `json:"vendor_id"`
	ProductID    string `json:"product_id"`
	ProductIDMax string `json:"product_id_max,omitempty"`
	Driver       string `json:"driver"`
	Origin       string `json:"origin"`
	Simulate     bool   `json:"simulate"`
}

func runModels(ctx context.Context, env *cmdEnv, args []string) error {
	fs := newFlagSet(env, commands["models"])
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	db, err := models.Load(models.UserDir(env.getenv))
	if err != nil {
		fmt.Fprintf(env.stderr, "handsetd models: %v\n", err)
	}
	var rows []modelRow
	for _, m := range db.All() {
		r := modelRow{
			ID: m.ID, Name: m.Name, Driver: m.Driver, Origin: db.Origin(m.ID),
			VendorID: fmt.Sprintf("%04x", m.VendorID), ProductID: fmt.Sprintf("%04x", m.ProductID),
		}
		if m.ProductIDMax != 0 {
			r.ProductIDMax = fmt.Sprintf("%04x", m.ProductIDMax)
		}
		r.Simulate = simulate.Supported(m)
		rows = append(rows, r)
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if rows == nil {
			rows = []modelRow{}
		}
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSB ID\tDRIVER\tNAME\tSIMULATE")
	for _, r := range rows {
		usb := r.VendorID + ":" + r.ProductID
		if r.ProductIDMax != "" {
			usb += "-" + r.ProductIDMax
		}
		sim := ""
		if r.Simulate {
			sim = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, usb, r.Driver, r.Name, sim)
	}
	return tw.Flush()
}
