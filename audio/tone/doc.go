// Package tone generates the telephone tones a handset plays into its own
// earpiece: dial tone, ringback, busy and congestion from a national tone
// plan, a ring tone for handsets that have no ringer or buzzer, and DTMF
// feedback for key presses.
//
// Tone plans are data (Plan, Tone): frequencies, a level in dBm0 per
// frequency component and an on/off cadence. The built-in plans follow
//
//   - North America: the Precise Tone Plan (Bellcore/Telcordia
//     GR-506; 350+440 Hz dial tone at -13 dBm0 and so on);
//   - Europe: the CEPT 425 Hz tones of ETSI TR 101 041 (German cadences);
//   - United Kingdom: BT SIN 350.
//
// Frequencies and cadences are those of the specifications. The levels of
// the European and British plans, and the levels and cadences of the local
// ring tones, are this project's choices, matched to the North American
// plan's loudness (the specifications define line levels, not what an
// earpiece should play).
//
// DTMF follows ITU-T Q.23: the low group 697, 770, 852, 941 Hz, the high
// group 1209, 1336, 1477, 1633 Hz, the high tone 2 dB above the low one.
//
// Levels convert to linear amplitude as in G.711: a full-scale sine is
// +3.17 dBm0, so amplitude = 10^((L-3.17)/20) of full scale.
//
// A Generator is driven from control goroutines (Play, PlayDTMF, Stop) and
// mixed into audio from the audio callback (Mix). The hand-over is a single
// atomic pointer per voice: Mix allocates nothing and takes no locks.
package tone
