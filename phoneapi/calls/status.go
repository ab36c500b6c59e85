package calls

import (
	"strconv"
	"strings"
)

// Status is a call status from the host's STATUS notifications, reduced to
// what decisions need. The exact text is kept in Call.RawStatus.
type Status int

// Call statuses of the reference. StatusUnknown is a status not received
// yet or not understood.
const (
	StatusUnknown Status = iota
	StatusUnplaced
	StatusRouting
	StatusEarlyMedia
	StatusRinging
	StatusInProgress
	StatusOnHold
	StatusLocalHold
	StatusRemoteHold
	StatusFinished
	StatusMissed
	StatusRefused
	StatusBusy
	StatusCancelled
	StatusFailed
	// StatusVoicemail stands for every VM_ status (VM_RECORDING, VM_SENT,
	// ...): the call went to voicemail, so for the handset it has ended.
	StatusVoicemail
)

var statusNames = [...]string{
	StatusUnknown:    "UNKNOWN",
	StatusUnplaced:   "UNPLACED",
	StatusRouting:    "ROUTING",
	StatusEarlyMedia: "EARLYMEDIA",
	StatusRinging:    "RINGING",
	StatusInProgress: "INPROGRESS",
	StatusOnHold:     "ONHOLD",
	StatusLocalHold:  "LOCALHOLD",
	StatusRemoteHold: "REMOTEHOLD",
	StatusFinished:   "FINISHED",
	StatusMissed:     "MISSED",
	StatusRefused:    "REFUSED",
	StatusBusy:       "BUSY",
	StatusCancelled:  "CANCELLED",
	StatusFailed:     "FAILED",
	StatusVoicemail:  "VM_*",
}

// String returns the status as the host writes it ("VM_*" for the
// voicemail statuses, "UNKNOWN" for StatusUnknown).
func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "Status(" + strconv.Itoa(int(s)) + ")"
	}
	return statusNames[s]
}

// ParseStatus reads a STATUS value, ignoring case and surrounding spaces.
// Values it does not know give StatusUnknown.
func ParseStatus(v string) Status {
	v = strings.ToUpper(strings.TrimSpace(v))
	if strings.HasPrefix(v, "VM_") {
		return StatusVoicemail
	}
	for s, name := range statusNames {
		if s != int(StatusUnknown) && s != int(StatusVoicemail) && name == v {
			return Status(s)
		}
	}
	return StatusUnknown
}

// Ended reports whether the status ends the call.
func (s Status) Ended() bool { return s >= StatusFinished && s <= StatusVoicemail }

// Held reports whether the call is on hold, on either side.
func (s Status) Held() bool {
	return s == StatusOnHold || s == StatusLocalHold || s == StatusRemoteHold
}

// answered reports whether the status only follows an answered call.
func (s Status) answered() bool { return s == StatusInProgress || s.Held() }

// preAnswer reports whether the status only precedes an answer.
func (s Status) preAnswer() bool { return s >= StatusUnplaced && s <= StatusRinging }

// Type is the direction and network of a call, from its TYPE property.
type Type int

// Call types of the reference. TypeUnknown is a type not received yet or
// not understood.
const (
	TypeUnknown Type = iota
	TypeIncomingP2P
	TypeIncomingPSTN
	TypeOutgoingP2P
	TypeOutgoingPSTN
)

var typeNames = [...]string{
	TypeUnknown:      "UNKNOWN",
	TypeIncomingP2P:  "INCOMING_P2P",
	TypeIncomingPSTN: "INCOMING_PSTN",
	TypeOutgoingP2P:  "OUTGOING_P2P",
	TypeOutgoingPSTN: "OUTGOING_PSTN",
}

// String returns the type as the host writes it.
func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return "Type(" + strconv.Itoa(int(t)) + ")"
	}
	return typeNames[t]
}

// ParseType reads a TYPE value, ignoring case and surrounding spaces.
// Values it does not know give TypeUnknown.
func ParseType(v string) Type {
	v = strings.ToUpper(strings.TrimSpace(v))
	for t, name := range typeNames {
		if t != int(TypeUnknown) && name == v {
			return Type(t)
		}
	}
	return TypeUnknown
}

// Incoming reports whether the call was placed by the far end.
func (t Type) Incoming() bool { return t == TypeIncomingP2P || t == TypeIncomingPSTN }

// Outgoing reports whether the call was placed by the user.
func (t Type) Outgoing() bool { return t == TypeOutgoingP2P || t == TypeOutgoingPSTN }
