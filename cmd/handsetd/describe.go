package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"handsetd/hid"
)

func init() {
	register(&command{
		name:    "describe",
		usage:   "describe [--json] FILE|/dev/hidrawN",
		summary: "decode a HID report descriptor: items, reports and fields, telephony controls",
		run:     runDescribe,
	})
}

func runDescribe(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["describe"]
	fs := newFlagSet(env, c)
	asJSON := fs.Bool("json", false, "print JSON with stable snake_case names")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errUsage
	}
	raw, err := readDescriptor(fs.Arg(0))
	if err != nil {
		return err
	}
	d, err := hid.ParseReportDescriptor(raw)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeDescribeJSON(env.stdout, raw, d)
	}
	return writeDescribeText(env.stdout, raw, d)
}

// readDescriptor reads a descriptor from a hidraw node (by ioctl, or from
// sysfs when the ioctl is refused), or from a file holding either the raw
// bytes or hex text (usbhid-dump, hid-recorder "R:" lines, plain hex).
func readDescriptor(path string) ([]byte, error) {
	if strings.HasPrefix(filepath.Base(path), "hidraw") && strings.HasPrefix(path, "/dev/") {
		b, err := hidrawDescriptor(path)
		if err == nil {
			return b, nil
		}
		sys := filepath.Join("/sys/class/hidraw", filepath.Base(path), "device/report_descriptor")
		if sb, serr := os.ReadFile(sys); serr == nil {
			return sb, nil
		}
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if h, ok := parseHexDump(b); ok {
		return h, nil
	}
	return b, nil
}

// hidrawReportDescriptor is struct hidraw_report_descriptor of
// <linux/hidraw.h>.
type hidrawReportDescriptor struct {
	Size  uint32
	Value [4096]byte
}

func hidrawDescriptor(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fd := int(f.Fd())
	size, err := unix.IoctlGetUint32(fd, unix.HIDIOCGRDESCSIZE)
	if err != nil {
		return nil, fmt.Errorf("HIDIOCGRDESCSIZE on %s: %w", path, err)
	}
	var rd hidrawReportDescriptor
	if size > uint32(len(rd.Value)) {
		return nil, fmt.Errorf("%s: descriptor size %d over %d", path, size, len(rd.Value))
	}
	rd.Size = size
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.HIDIOCGRDESC, uintptr(unsafe.Pointer(&rd))); errno != 0 {
		return nil, fmt.Errorf("HIDIOCGRDESC on %s: %w", path, errno)
	}
	return append([]byte(nil), rd.Value[:size]...), nil
}

// parseHexDump reads whitespace separated hex bytes. It accepts the
// outputs of usbhid-dump (header lines naming DESCRIPTOR) and
// hid-recorder (only the "R: <len> bytes..." line counts), and "0x05,"
// C-array style. ok is false when the input is not such text.
func parseHexDump(b []byte) ([]byte, bool) {
	if len(b) == 0 || bytes.IndexFunc(b, func(r rune) bool { return r == 0 || r > 0x7e }) >= 0 {
		return nil, false
	}
	var out []byte
	sawR := bytes.Contains(b, []byte("\nR:")) || bytes.HasPrefix(b, []byte("R:"))
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		toks := strings.Fields(strings.ReplaceAll(line, ",", " "))
		if len(toks) == 0 || strings.HasPrefix(toks[0], "#") {
			continue
		}
		switch {
		case toks[0] == "R:":
			if len(toks) < 2 {
				return nil, false
			}
			toks = toks[2:] // the length
		case sawR:
			continue
		case strings.HasSuffix(toks[0], ":") || strings.Contains(line, "DESCRIPTOR"):
			continue
		}
		for _, t := range toks {
			t = strings.TrimPrefix(strings.TrimPrefix(t, "0x"), "0X")
			if len(t) != 2 {
				return nil, false
			}
			v, err := strconv.ParseUint(t, 16, 8)
			if err != nil {
				return nil, false
			}
			out = append(out, byte(v))
		}
	}
	if sc.Err() != nil || len(out) == 0 {
		return nil, false
	}
	return out, true
}

// usageList renders usages compactly: runs of three or more consecutive
// IDs on one page become "Phone Key 0 .. Phone Key Pound".
func usageList(us []hid.Usage) string {
	var parts []string
	for i := 0; i < len(us); {
		j := i
		for j+1 < len(us) && us[j+1] == us[j]+1 && us[j+1].Page() == us[i].Page() {
			j++
		}
		if j-i >= 2 {
			parts = append(parts, us[i].String()+" .. "+hid.UsageName(us[j]))
			i = j + 1
			continue
		}
		parts = append(parts, us[i].String())
		i++
	}
	return strings.Join(parts, ", ")
}

func collName(c *hid.Collection) string {
	if c == nil {
		return "none"
	}
	return fmt.Sprintf("%s@%d", collUsage(c), c.Offset)
}

// collUsage names a collection's usage; some devices open collections
// without declaring one.
func collUsage(c *hid.Collection) string {
	if c.Usage == 0 {
		return "(no usage)"
	}
	return c.Usage.String()
}

func writeDescribeText(w io.Writer, raw []byte, d *hid.ReportDescriptor) error {
	bw := bufio.NewWriter(w)
	ids := "no report ids"
	if d.Numbered {
		ids = "report ids"
	}
	fmt.Fprintf(bw, "report descriptor: %d bytes, %d items, %s\n", len(raw), len(d.Items), ids)

	fmt.Fprintf(bw, "\nitems:\n")
	for _, it := range d.Items {
		fmt.Fprintf(bw, "%5d  %-15s %s%s\n", it.Offset, it.Hex(), strings.Repeat("  ", it.Depth), it)
	}

	fmt.Fprintf(bw, "\ncollections:\n")
	var walk func(cs []*hid.Collection, depth int)
	walk = func(cs []*hid.Collection, depth int) {
		for _, c := range cs {
			fmt.Fprintf(bw, "  %s%s (%s) at offset %d, %d fields\n", strings.Repeat("  ", depth), collUsage(c), c.Type, c.Offset, len(c.Fields))
			walk(c.Children, depth+1)
		}
	}
	walk(d.Collections, 0)

	fmt.Fprintf(bw, "\nreports:\n")
	for _, r := range d.Reports {
		fmt.Fprintf(bw, "  %s report %d: %d bits, %d bytes on the wire\n", r.Type, r.ID, r.BitLen, r.ByteLen())
		for _, f := range r.Fields {
			fmt.Fprintf(bw, "    bit %4d  size %2d x %-3d %-46s logical %d..%d", f.BitOffset, f.BitSize, f.Count, f.Flags, f.LogicalMin, f.LogicalMax)
			if f.PhysicalMin != 0 || f.PhysicalMax != 0 {
				fmt.Fprintf(bw, " physical %d..%d", f.PhysicalMin, f.PhysicalMax)
			}
			if f.Unit != 0 || f.UnitExponent != 0 {
				fmt.Fprintf(bw, " unit 0x%x exp %d", f.Unit, f.UnitExponent)
			}
			fmt.Fprintf(bw, "  app %s\n", collName(f.Application))
			if len(f.Usages) > 0 {
				kind := "usages"
				if f.Flags.IsArray() {
					kind = "selects"
				}
				fmt.Fprintf(bw, "      %s: %s\n", kind, usageList(f.Usages))
			}
		}
	}

	fmt.Fprintf(bw, "\ntelephony:")
	if !d.HasTelephony() {
		fmt.Fprintf(bw, " no Telephony application collection\n")
	} else {
		var apps []string
		for _, a := range d.Applications() {
			if a.Usage.Page() == hid.PageTelephony {
				apps = append(apps, collName(a))
			}
		}
		fmt.Fprintf(bw, " %s\n", strings.Join(apps, ", "))
	}
	for _, c := range hid.TelephonySummary(d) {
		mode := "absolute"
		if c.Relative() {
			mode = "relative"
		}
		kind := "variable"
		if c.Ref.Field.Flags.IsArray() {
			kind = fmt.Sprintf("array x%d", c.Ref.Field.Count)
		}
		fmt.Fprintf(bw, "  %-20s %-6s report %-3d bit %-4d size %-2d %s %s  %s  app %s\n",
			c.Control.Key(), c.Control.ReportType(), c.ReportID(), c.BitOffset(), c.BitSize(), mode, kind, c.Usage, collName(c.Application()))
	}
	return bw.Flush()
}

// JSON shapes: stable snake_case names that scripts and bug reports rely on.
type jsonUsage struct {
	UsagePage uint16 `json:"usage_page"`
	Usage     uint16 `json:"usage"`
	PageName  string `json:"page_name"`
	UsageName string `json:"usage_name"`
}

func toJSONUsage(u hid.Usage) jsonUsage {
	return jsonUsage{u.Page(), u.ID(), hid.PageName(u.Page()), hid.UsageName(u)}
}

type jsonCollRef struct {
	Offset int    `json:"offset"`
	Type   string `json:"type"`
	jsonUsage
}

func toJSONCollRef(c *hid.Collection) *jsonCollRef {
	if c == nil {
		return nil
	}
	return &jsonCollRef{c.Offset, snake(c.Type.String()), toJSONUsage(c.Usage)}
}

type jsonItem struct {
	Offset int    `json:"offset"`
	Raw    string `json:"raw"`
	Type   string `json:"type"`
	Tag    uint8  `json:"tag"`
	Name   string `json:"name"`
	Text   string `json:"text"`
	Depth  int    `json:"depth"`
	Value  uint32 `json:"value"`
}

type jsonCollection struct {
	jsonCollRef
	Children []jsonCollection `json:"children"`
}

type jsonField struct {
	BitOffset    int          `json:"bit_offset"`
	BitSize      int          `json:"bit_size"`
	Count        int          `json:"count"`
	Flags        uint32       `json:"flags"`
	FlagsText    string       `json:"flags_text"`
	Constant     bool         `json:"constant"`
	Array        bool         `json:"array"`
	Relative     bool         `json:"relative"`
	NullState    bool         `json:"null_state"`
	LogicalMin   int32        `json:"logical_min"`
	LogicalMax   int32        `json:"logical_max"`
	PhysicalMin  int32        `json:"physical_min"`
	PhysicalMax  int32        `json:"physical_max"`
	Unit         uint32       `json:"unit"`
	UnitExponent int8         `json:"unit_exponent"`
	Usages       []jsonUsage  `json:"usages"`
	Collection   *jsonCollRef `json:"collection"`
	Application  *jsonCollRef `json:"application"`
	ItemOffset   int          `json:"item_offset"`
}

type jsonReport struct {
	Type     string      `json:"type"`
	ReportID uint8       `json:"report_id"`
	BitLen   int         `json:"bit_len"`
	ByteLen  int         `json:"byte_len"`
	Fields   []jsonField `json:"fields"`
}

type jsonControl struct {
	Control    string `json:"control"`
	ReportType string `json:"report_type"`
	ReportID   uint8  `json:"report_id"`
	BitOffset  int    `json:"bit_offset"`
	BitSize    int    `json:"bit_size"`
	Count      int    `json:"count"`
	Array      bool   `json:"array"`
	Relative   bool   `json:"relative"`
	jsonUsage
	Application *jsonCollRef `json:"application"`
}

type jsonDescriptor struct {
	Length       int              `json:"length"`
	Numbered     bool             `json:"numbered"`
	HasTelephony bool             `json:"has_telephony"`
	Items        []jsonItem       `json:"items"`
	Collections  []jsonCollection `json:"collections"`
	Reports      []jsonReport     `json:"reports"`
	Telephony    []jsonControl    `json:"telephony"`
}

func snake(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "_") }

func writeDescribeJSON(w io.Writer, raw []byte, d *hid.ReportDescriptor) error {
	out := jsonDescriptor{
		Length:       len(raw),
		Numbered:     d.Numbered,
		HasTelephony: d.HasTelephony(),
		Items:        []jsonItem{},
		Collections:  []jsonCollection{},
		Reports:      []jsonReport{},
		Telephony:    []jsonControl{},
	}
	for _, it := range d.Items {
		out.Items = append(out.Items, jsonItem{it.Offset, it.Hex(), snake(it.Type.String()), it.Tag, it.Name(), it.String(), it.Depth, it.Uint()})
	}
	var conv func(cs []*hid.Collection) []jsonCollection
	conv = func(cs []*hid.Collection) []jsonCollection {
		res := []jsonCollection{}
		for _, c := range cs {
			res = append(res, jsonCollection{*toJSONCollRef(c), conv(c.Children)})
		}
		return res
	}
	out.Collections = conv(d.Collections)
	for _, r := range d.Reports {
		jr := jsonReport{snake(r.Type.String()), r.ID, r.BitLen, r.ByteLen(), []jsonField{}}
		for _, f := range r.Fields {
			jf := jsonField{
				BitOffset: f.BitOffset, BitSize: f.BitSize, Count: f.Count,
				Flags: uint32(f.Flags), FlagsText: f.Flags.String(),
				Constant: f.Flags.IsConstant(), Array: f.Flags.IsArray(), Relative: f.Flags.IsRelative(), NullState: f.Flags.HasNull(),
				LogicalMin: f.LogicalMin, LogicalMax: f.LogicalMax, PhysicalMin: f.PhysicalMin, PhysicalMax: f.PhysicalMax,
				Unit: f.Unit, UnitExponent: f.UnitExponent, Usages: []jsonUsage{},
				Collection: toJSONCollRef(f.Collection), Application: toJSONCollRef(f.Application), ItemOffset: f.Offset,
			}
			for _, u := range f.Usages {
				jf.Usages = append(jf.Usages, toJSONUsage(u))
			}
			jr.Fields = append(jr.Fields, jf)
		}
		out.Reports = append(out.Reports, jr)
	}
	for _, c := range hid.TelephonySummary(d) {
		f := c.Ref.Field
		count := 1 // one element of a variable field; an array uses them all
		if f.Flags.IsArray() {
			count = f.Count
		}
		out.Telephony = append(out.Telephony, jsonControl{
			Control: c.Control.Key(), ReportType: snake(f.Type.String()), ReportID: c.ReportID(),
			BitOffset: c.BitOffset(), BitSize: c.BitSize(), Count: count, Array: f.Flags.IsArray(), Relative: c.Relative(),
			jsonUsage: toJSONUsage(c.Usage), Application: toJSONCollRef(c.Application()),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}
