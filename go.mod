module handsetd

go 1.26

require (
	github.com/godbus/dbus/v5 v5.2.4 // indirect
	github.com/google/gousb v1.1.3 // indirect
	github.com/gordonklaus/portaudio v0.0.0-20250206071425-98a94950218b // indirect
	github.com/sstallion/go-hid v0.15.0 // indirect
	golang.org/x/sys v0.27.0 // indirect
)
