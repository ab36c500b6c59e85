// Package models is the database of known handset products: which driver a
// product needs, the quirks it has, how its controls map to phone-API key
// names, and what is known about its audio interface.
//
// The database is a set of JSON files, one per product, embedded from db/
// at build time. A user may add or override entries without rebuilding by
// dropping files of the same format into $XDG_CONFIG_HOME/handsetd/models/
// (see [Load] and [UserDir]). A file looks like this:
//
//	{
//	  "id": "jabra-evolve-link-ms",
//	  "name": "Jabra EVOLVE LINK MS",
//	  "vendor": "Jabra",
//	  "vendor_id": "0b0e",
//	  "product_id": "0307",
//	  "driver": "hid-telephony",
//	  "quirks": {"mute_needs_off_hook": true, "led_hold_keeps_off_hook": true},
//	  "keymap": {"flash": "R", "redial": "+"},
//	  "audio": {"has_audio": true},
//	  "source": "report descriptor testdata/hid/0b0e-0307.rdesc"
//	}
//
// USB ids are four hex digits. product_id_max makes an entry cover a range
// of product ids (the CM109 family uses 0008-000f). Unknown fields are an
// error, so that a misspelt quirk is reported instead of silently ignored;
// quirks that only one driver understands may still be added under
// "quirks" and are kept in [Quirks.Extra] for that driver to decode.
//
// Device facts come from docs/hid-telephony.md of the project's shared
// documentation, the Linux drivers hid-plantronics.c, cm109.c and
// yealink.c, and real report descriptors (testdata/hid/SOURCES.md).
package models
