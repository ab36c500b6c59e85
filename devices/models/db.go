package models

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed db/*.json
var builtinFS embed.FS

// DB is a loaded model database. It is read-only after Load and safe for
// concurrent use.
type DB struct {
	// models in lookup order: user entries first, so that they shadow
	// builtin ones with overlapping USB ids.
	models []*Model
	// origin maps a model id to the file it came from, for messages.
	origin map[string]string
}

// UserDir returns the directory Load reads user entries from:
// $XDG_CONFIG_HOME/handsetd/models, or ~/.config/handsetd/models. It returns
// "" when neither variable is set. getenv is os.Getenv outside tests.
func UserDir(getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "handsetd", "models")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "handsetd", "models")
	}
	return ""
}

// Builtin returns the database compiled into the binary, without user
// entries.
func Builtin() (*DB, error) {
	return Load("")
}

// Load reads the builtin database and merges the *.json files of userDir
// over it (userDir "" or missing means none). A user entry with the id of
// a builtin one replaces it; a user entry whose USB ids overlap a builtin
// entry shadows it for those ids.
//
// Load always returns a usable database. A user file that cannot be read,
// does not parse, breaks a rule, or overlaps another user file is skipped,
// and the returned error (wrapping ErrInvalid where it applies) names every
// skipped file; the caller should report it and carry on.
func Load(userDir string) (*DB, error) {
	db := &DB{origin: map[string]string{}}
	var errs []error

	builtin, err := readDir(builtinFS, "db")
	if err != nil {
		errs = append(errs, err)
	}
	var base []*Model
	for _, f := range builtin {
		m, err := Parse(f.data)
		if err != nil {
			errs = append(errs, fmt.Errorf("models: builtin %s: %w", f.name, err))
			continue
		}
		if err := conflicts(base, m, db.origin); err != nil {
			errs = append(errs, fmt.Errorf("models: builtin %s: %w", f.name, err))
			continue
		}
		base = append(base, m)
		db.origin[m.ID] = "builtin " + f.name
	}

	var user []*Model
	if userDir != "" {
		files, err := readDir(os.DirFS(userDir), ".")
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("models: user directory %s: %w", userDir, err))
		}
		for _, f := range files {
			full := filepath.Join(userDir, f.name)
			if f.err != nil {
				errs = append(errs, fmt.Errorf("models: %s: %w", full, f.err))
				continue
			}
			m, err := Parse(f.data)
			if err != nil {
				errs = append(errs, fmt.Errorf("models: %s: %w", full, err))
				continue
			}
			if err := conflicts(user, m, db.origin); err != nil {
				errs = append(errs, fmt.Errorf("models: %s: %w", full, err))
				continue
			}
			user = append(user, m)
			db.origin[m.ID] = full
		}
	}

	db.models = append(db.models, user...)
	for _, m := range base {
		if !slices.ContainsFunc(user, func(u *Model) bool { return u.ID == m.ID }) {
			db.models = append(db.models, m)
		}
	}
	return db, errors.Join(errs...)
}

// conflicts checks m against the entries of the same layer.
func conflicts(layer []*Model, m *Model, origin map[string]string) error {
	for _, o := range layer {
		if o.ID == m.ID {
			return fmt.Errorf("%w: id %s already defined in %s", ErrInvalid, m.ID, origin[o.ID])
		}
		if o.overlaps(m) {
			return fmt.Errorf("%w %s: usb id %s overlaps %s (%s)", ErrInvalid, m.ID, idRange(m), o.ID, idRange(o))
		}
	}
	return nil
}

func idRange(m *Model) string {
	if m.ProductIDMax == 0 {
		return fmt.Sprintf("%04x:%04x", m.VendorID, m.ProductID)
	}
	return fmt.Sprintf("%04x:%04x-%04x", m.VendorID, m.ProductID, m.ProductIDMax)
}

type file struct {
	name string
	data []byte
	err  error
}

// readDir returns the *.json files of dir in name order, so that which of
// two conflicting user files wins does not depend on the file system.
func readDir(fsys fs.FS, dir string) ([]file, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var files []file
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		files = append(files, file{name: e.Name(), data: data, err: err})
	}
	return files, nil
}

// Lookup returns the model covering the USB id vid:pid.
func (db *DB) Lookup(vid, pid uint16) (*Model, bool) {
	for _, m := range db.models {
		if m.Matches(vid, pid) {
			return m, true
		}
	}
	return nil, false
}

// ByID returns the model with the given id.
func (db *DB) ByID(id string) (*Model, bool) {
	for _, m := range db.models {
		if m.ID == id {
			return m, true
		}
	}
	return nil, false
}

// All returns every model, sorted by id. The models are shared: do not
// modify them.
func (db *DB) All() []*Model {
	all := slices.Clone(db.models)
	slices.SortFunc(all, func(a, b *Model) int { return strings.Compare(a.ID, b.ID) })
	return all
}

// Origin says where the model with the given id was loaded from: "builtin
// <file>" or the path of a user file.
func (db *DB) Origin(id string) string {
	return db.origin[id]
}
