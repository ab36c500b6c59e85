package baresip

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(t *testing.T, in string, max int) ([]string, error) {
	t.Helper()
	nr := newNetstringReader(strings.NewReader(in), max)
	var got []string
	for {
		p, err := nr.next()
		if err != nil {
			return got, err
		}
		got = append(got, string(p))
	}
}

func TestNetstringReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		max     int
		want    []string
		wantErr error
	}{
		{"two messages", "3:abc,0:,", 10, []string{"abc", ""}, io.EOF},
		{"payload holds separators", "5:1:a,,,", 10, []string{"1:a,,"}, io.EOF},
		{"exactly the limit", "4:abcd,", 4, []string{"abcd"}, io.EOF},
		{"over the limit", "5:abcde,", 4, nil, ErrTooLong},
		{"too many digits", "0000001:a,", MaxMessage, nil, ErrTooLong},
		{"letter in length", "3a:abc,", 10, nil, ErrFraming},
		{"empty length", ":abc,", 10, nil, ErrFraming},
		{"no comma", "3:abc;", 10, nil, ErrFraming},
		{"second one bad", "1:a,x", 10, []string{"a"}, ErrFraming},
		{"cut in the length", "12", 100, nil, io.ErrUnexpectedEOF},
		{"cut in the payload", "5:ab", 10, nil, io.ErrUnexpectedEOF},
		{"cut before the comma", "2:ab", 10, nil, io.ErrUnexpectedEOF},
		{"empty stream", "", 10, nil, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, tt.in, tt.max)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Fatalf("payloads %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodeMessage(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    message
		wantErr bool
	}{
		{
			name: "baresip 1.0.0 incoming call",
			in: `{"event":true,"type":"CALL_INCOMING","class":"call","accountaor":"sip:a@127.0.0.1:15061",` +
				`"direction":"incoming","peeruri":"sip:b@127.0.0.1:15072","id":"e2a3d933417dd30b","param":"sip:b@127.0.0.1:15072"}`,
			want: message{isEvent: true, event: Event{Type: "CALL_INCOMING", Class: "call", AccountAOR: "sip:a@127.0.0.1:15061",
				Direction: "incoming", PeerURI: "sip:b@127.0.0.1:15072", ID: "e2a3d933417dd30b", Param: "sip:b@127.0.0.1:15072"}},
		},
		{
			name: "event flag as a string, extra fields",
			in:   `{"event":"true","type":"CALL_RTCP","param":"audio","rtcp_stats":{"tx":{"sent":1}}}`,
			want: message{isEvent: true, event: Event{Type: "CALL_RTCP", Param: "audio"}},
		},
		{
			name: "response",
			in:   `{"response":true,"ok":true,"data":"\ncall muted\n","token":"h3"}`,
			want: message{token: "h3", resp: Response{OK: true, Data: "\ncall muted\n"}},
		},
		{
			name: "refusal",
			in:   `{"response":true,"ok":false,"data":"Operation not supported","token":"h4"}`,
			want: message{token: "h4", resp: Response{Data: "Operation not supported"}},
		},
		{name: "neither", in: `{"type":"CALL_INCOMING"}`, wantErr: true},
		{name: "both", in: `{"event":true,"response":true}`, wantErr: true},
		{name: "not JSON", in: `hello`, wantErr: true},
		{name: "wrong type", in: `{"event":true,"id":5}`, wantErr: true},
		{name: "bad flag", in: `{"event":1}`, wantErr: true},
		{name: "array", in: `[]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeMessage([]byte(tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("error %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestEncodeCommand(t *testing.T) {
	got, err := encodeCommand("dial", "sip:bob@example.com", "h1")
	if err != nil {
		t.Fatal(err)
	}
	const want = `62:{"command":"dial","params":"sip:bob@example.com","token":"h1"},`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	got, err = encodeCommand("accept", "", "h2")
	if err != nil {
		t.Fatal(err)
	}
	if want := `33:{"command":"accept","token":"h2"},`; string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// "dial " + params must fit ctrl_tcp's 256-byte buffer.
	if _, err := encodeCommand("dial", strings.Repeat("1", 250), "h3"); err != nil {
		t.Fatalf("250-digit dial refused: %v", err)
	}
	if _, err := encodeCommand("dial", strings.Repeat("1", 251), "h4"); err == nil {
		t.Fatal("251-digit dial accepted; ctrl_tcp would cut it")
	}
	if _, err := encodeCommand("", "x", "h5"); err == nil {
		t.Fatal("empty command accepted")
	}
}

// FuzzDecode feeds arbitrary bytes to the stream reader and the message
// decoder: nothing panics, nothing over the limit comes out, and every
// payload read frames back to the bytes it came from.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`202:{"event":true,"type":"CALL_INCOMING","class":"call","accountaor":"sip:a@127.0.0.1:15061","direction":"incoming","peeruri":"sip:b@127.0.0.1:15072","id":"e2a3d933417dd30b","param":"sip:b@127.0.0.1:15072"},`,
		`50:{"response":true,"ok":true,"data":"","token":"t1"},`,
		`64:{"response":true,"ok":true,"data":"\ncall muted\n","token":"t1"},3:abc,`,
		`0:,`, `99999:`, `3:{}],`, `12:{"event":"t"},`, `:`, `5:hello`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 512
		nr := newNetstringReader(bytes.NewReader(in), max)
		consumed := 0
		for {
			p, err := nr.next()
			if err != nil {
				break
			}
			if len(p) > max {
				t.Fatalf("payload of %d bytes over the %d limit", len(p), max)
			}
			// The payload stands in the input right after its
			// length, and frames back to something that reads the
			// same.
			if i := bytes.IndexByte(in[consumed:], ':'); i < 0 || !bytes.Equal(in[consumed+i+1:consumed+i+1+len(p)], p) {
				t.Fatalf("payload %q not found after the length at %d", p, consumed)
			} else {
				consumed += i + 1 + len(p) + 1
			}
			again, err := newNetstringReader(bytes.NewReader(appendNetstring(nil, p)), max).next()
			if err != nil || !bytes.Equal(again, p) {
				t.Fatalf("re-framed %q read back as %q, %v", p, again, err)
			}
			m, err := decodeMessage(p)
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("decode error %v does not wrap ErrMalformed", err)
				}
				continue
			}
			if m.isEvent && (m.token != "" || m.resp != Response{}) {
				t.Fatalf("event carries response fields: %+v", m)
			}
		}
	})
}

// BenchmarkDecodeEvent measures reading one CALL_INCOMING as baresip
// 1.0.0 frames it, from the stream to the notifications it becomes.
func BenchmarkDecodeEvent(b *testing.B) {
	const frame = `202:{"event":true,"type":"CALL_INCOMING","class":"call","accountaor":"sip:a@127.0.0.1:15061","direction":"incoming","peeruri":"sip:b@127.0.0.1:15072","id":"e2a3d933417dd30b","param":"sip:b@127.0.0.1:15072"},`
	in := bytes.Repeat([]byte(frame), b.N)
	nr := newNetstringReader(bytes.NewReader(in), MaxMessage)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p, err := nr.next()
		if err != nil {
			b.Fatal(err)
		}
		m, err := decodeMessage(p)
		if err != nil {
			b.Fatal(err)
		}
		tab := newCallTable()
		if msgs, _ := tab.apply(m.event); len(msgs) != 4 {
			b.Fatalf("%d notifications, want 4", len(msgs))
		}
	}
}
