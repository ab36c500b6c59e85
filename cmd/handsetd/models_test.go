package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestModelsListsTheDatabase(t *testing.T) {
	var out, errb bytes.Buffer
	env := &cmdEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if code := runMain(context.Background(), env, []string{"models", "--json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rows []modelRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	var jabra *modelRow
	for i := range rows {
		if rows[i].ID == "jabra-evolve-link-ms" {
			jabra = &rows[i]
		}
	}
	want := modelRow{ID: "jabra-evolve-link-ms", Name: "Jabra EVOLVE LINK MS", VendorID: "0b0e", ProductID: "0307", Driver: "hid-telephony", Origin: "builtin jabra-evolve-link-ms.json", Simulate: true}
	if jabra == nil || *jabra != want {
		t.Fatalf("jabra row %+v, want %+v", jabra, want)
	}
}

func TestDriverWindow(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{-1: 0, 0: -1, 300 * time.Millisecond: 300 * time.Millisecond} {
		if got := driverWindow(in); got != want {
			t.Errorf("driverWindow(%v) = %v, want %v", in, got, want)
		}
	}
}
