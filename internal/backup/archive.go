// Package backup writes and reads Noren's backup archives, and takes and
// restores the database snapshots they hold.
//
// An archive is a tar file, optionally gzip-compressed. Its first entry is
// the metadata document (MetadataName), so that a foreign or truncated file
// is recognised before anything is written; its last is a SHA-256 sum of
// every other entry (SumsName), so that a corrupt one is refused before
// anything is restored. In between come the database snapshot, the manifest
// and the files of the data folder, under the folders named by the
// constants below. Nothing else may appear in an archive.
package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names of the entries of an archive.
const (
	// MetadataName is the metadata document, always the first entry.
	MetadataName = "noren-backup.json"
	// SumsName lists the SHA-256 of every other entry, always the last.
	SumsName = "SHA256SUMS"
	// SQLiteName is the snapshot of a SQLite database.
	SQLiteName = "database/noren.db"
	// AnalyticsSQLiteName is the snapshot of the analytics events' own
	// SQLite database, when they have one.
	AnalyticsSQLiteName = "database/analytics.db"
	// PostgresName is a PostgreSQL database dumped by pg_dump in its
	// custom format.
	PostgresName = "database/noren.pgdump"
	// ManifestDir holds the manifest in force, under its own file name.
	ManifestDir = "manifest/"
	// DataDir holds the files of the data folder, under their paths
	// relative to it.
	DataDir = "data/"
)

// Format is the value of Metadata.Format that marks a Noren backup.
const Format = "noren-backup"

// Version is the layout version this package writes and reads.
const Version = 1

// Limits on what a reader accepts, so that a hostile file cannot make it
// hold unbounded data in memory.
const (
	maxMetadataBytes = 64 << 10
	maxSumsBytes     = 16 << 20
	maxNameBytes     = 1024
)

// Errors a reader wraps, so that callers can tell a file that is not a
// backup at all from a backup that is damaged.
var (
	// ErrForeign marks a file that is not a Noren backup, or one of a
	// layout version this binary does not read.
	ErrForeign = errors.New("not a Noren backup")
	// ErrCorrupt marks a Noren backup whose contents do not match its
	// checksums, or that is truncated or malformed.
	ErrCorrupt = errors.New("the backup is damaged")
)

// Metadata describes an archive: when and from what it was made, and the
// facts it lets a restored system be checked against.
type Metadata struct {
	// Format is always the constant Format.
	Format string `json:"format"`
	// Version is the archive layout version.
	Version int `json:"version"`
	// Created is when the backup was taken.
	Created time.Time `json:"created"`
	// NorenVersion is the version of the binary that wrote it.
	NorenVersion string `json:"noren_version"`
	// Database is the dialect of the snapshot: "sqlite" or "postgres".
	Database string `json:"database"`
	// AuditHead is the audit trail's head ("SEQ:HASH") contained in the
	// snapshot: the trail restored from it holds this entry.
	AuditHead string `json:"audit_head"`
	// ManifestHash is the canonical hash of the manifest in force, as
	// policies show it; empty when no manifest was configured.
	ManifestHash string `json:"manifest_hash,omitempty"`
	// Manifest is the archive entry of that manifest.
	Manifest string `json:"manifest,omitempty"`
}

func (m Metadata) check() error {
	switch {
	case m.Format != Format:
		return fmt.Errorf("%w: format %q", ErrForeign, m.Format)
	case m.Version != Version:
		return fmt.Errorf("%w: layout version %d, this binary reads %d", ErrForeign, m.Version, Version)
	case m.Database != "sqlite" && m.Database != "postgres":
		return fmt.Errorf("%w: metadata: database %q", ErrCorrupt, m.Database)
	case m.AuditHead == "":
		return fmt.Errorf("%w: metadata: no audit head", ErrCorrupt)
	case m.Manifest != "" && checkName(m.Manifest) != nil:
		return fmt.Errorf("%w: metadata: manifest entry %q", ErrCorrupt, m.Manifest)
	}
	return nil
}

// Writer writes one archive. Entries are added with AddFile and AddBytes;
// Close writes the checksums and finishes the file.
type Writer struct {
	gz    *gzip.Writer
	tw    *tar.Writer
	now   time.Time
	sums  []string
	names map[string]bool
}

// NewWriter starts an archive on w with the metadata meta, compressed with
// gzip when compress is set. Format and Version are filled in.
func NewWriter(w io.Writer, meta Metadata, compress bool) (*Writer, error) {
	meta.Format, meta.Version = Format, Version
	if err := meta.check(); err != nil {
		return nil, fmt.Errorf("backup: write metadata: %w", err)
	}
	doc, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("backup: write metadata: %w", err)
	}
	bw := &Writer{now: meta.Created, names: map[string]bool{}}
	if compress {
		bw.gz = gzip.NewWriter(w)
		w = bw.gz
	}
	bw.tw = tar.NewWriter(w)
	if err := bw.add(MetadataName, bytes.NewReader(append(doc, '\n')), int64(len(doc)+1)); err != nil {
		return nil, err
	}
	return bw, nil
}

// AddBytes adds an entry holding data.
func (w *Writer) AddBytes(name string, data []byte) error {
	return w.add(name, bytes.NewReader(data), int64(len(data)))
}

// AddFile adds an entry holding the file at path as it is when opened: a
// file that grows meanwhile (a log) is cut at its size then.
func (w *Writer) AddFile(name, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("backup: add %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup: add %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("backup: add %s: %s is not a regular file", name, file)
	}
	return w.add(name, f, st.Size())
}

func (w *Writer) add(name string, r io.Reader, size int64) error {
	if name != MetadataName {
		if err := checkName(name); err != nil {
			return fmt.Errorf("backup: add %s: %w", name, err)
		}
	}
	if w.names[name] {
		return fmt.Errorf("backup: add %s: already in the archive", name)
	}
	w.names[name] = true
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: w.now, Format: tar.FormatPAX}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup: add %s: %w", name, err)
	}
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(w.tw, h), r, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("shrank to %d bytes while it was read", n)
		}
		return fmt.Errorf("backup: add %s: %w", name, err)
	}
	w.sums = append(w.sums, hex.EncodeToString(h.Sum(nil))+"  "+name)
	return nil
}

// Close writes the checksums of every entry and finishes the archive. It
// does not close the underlying writer.
func (w *Writer) Close() error {
	sums := []byte(strings.Join(w.sums, "\n") + "\n")
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: SumsName, Size: int64(len(sums)), Mode: 0o600, ModTime: w.now, Format: tar.FormatPAX}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup: write checksums: %w", err)
	}
	if _, err := w.tw.Write(sums); err != nil {
		return fmt.Errorf("backup: write checksums: %w", err)
	}
	if err := w.tw.Close(); err != nil {
		return fmt.Errorf("backup: finish: %w", err)
	}
	if w.gz != nil {
		if err := w.gz.Close(); err != nil {
			return fmt.Errorf("backup: finish: %w", err)
		}
	}
	return nil
}

// checkName accepts the names an archive may hold besides its metadata and
// checksums: clean relative slash paths under the known folders, or the
// known database files.
func checkName(name string) error {
	switch {
	case len(name) > maxNameBytes:
		return errors.New("name too long")
	case name == SQLiteName, name == AnalyticsSQLiteName, name == PostgresName:
		return nil
	case strings.ContainsAny(name, "\\\x00"), path.Clean(name) != name, path.IsAbs(name), slices.Contains(strings.Split(name, "/"), ".."):
		return fmt.Errorf("name %q is not a clean relative path", name)
	}
	for _, dir := range []string{ManifestDir, DataDir} {
		if rest, ok := strings.CutPrefix(name, dir); ok && rest != "" {
			if dir == ManifestDir && strings.Contains(rest, "/") {
				return fmt.Errorf("name %q: the manifest folder holds files only", name)
			}
			return nil
		}
	}
	return fmt.Errorf("name %q is outside the archive's folders", name)
}

// open returns a tar reader on r, uncompressing it when it starts with the
// gzip magic number.
func open(r io.Reader) (*tar.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrForeign, err)
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrForeign, err)
		}
		return tar.NewReader(gz), nil
	}
	return tar.NewReader(br), nil
}

// readMetadata reads the first entry of tr, which must be the metadata.
func readMetadata(tr *tar.Reader) (Metadata, [sha256.Size]byte, error) {
	var none [sha256.Size]byte
	hdr, err := tr.Next()
	if err != nil {
		return Metadata{}, none, fmt.Errorf("%w: %v", ErrForeign, err)
	}
	if hdr.Name != MetadataName || hdr.Typeflag != tar.TypeReg {
		return Metadata{}, none, fmt.Errorf("%w: first entry %q, want %s", ErrForeign, hdr.Name, MetadataName)
	}
	if hdr.Size > maxMetadataBytes {
		return Metadata{}, none, fmt.Errorf("%w: metadata of %d bytes", ErrCorrupt, hdr.Size)
	}
	doc, err := io.ReadAll(tr)
	if err != nil {
		return Metadata{}, none, fmt.Errorf("%w: metadata: %v", ErrCorrupt, err)
	}
	var m Metadata
	if err := json.Unmarshal(doc, &m); err != nil {
		return Metadata{}, none, fmt.Errorf("%w: metadata: %v", ErrForeign, err)
	}
	if err := m.check(); err != nil {
		return Metadata{}, none, err
	}
	return m, sha256.Sum256(doc), nil
}

// ReadMetadata reads the metadata of the archive r without reading the
// rest, so it does not notice damage further on; Extract does.
func ReadMetadata(r io.Reader) (Metadata, error) {
	tr, err := open(r)
	if err != nil {
		return Metadata{}, fmt.Errorf("backup: %w", err)
	}
	m, _, err := readMetadata(tr)
	if err != nil {
		return Metadata{}, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// Extract writes every entry of the archive r into dir, which must exist,
// and checks each against the archive's checksums. It returns the metadata
// and the names of the entries written, metadata and checksums excluded.
// On error dir may hold part of the archive: extract into a folder of its
// own and remove it then.
func Extract(r io.Reader, dir string) (Metadata, []string, error) {
	tr, err := open(r)
	if err != nil {
		return Metadata{}, nil, fmt.Errorf("backup: %w", err)
	}
	meta, metaSum, err := readMetadata(tr)
	if err != nil {
		return Metadata{}, nil, fmt.Errorf("backup: %w", err)
	}
	got := map[string]string{MetadataName: hex.EncodeToString(metaSum[:])}
	var names []string
	var sums []byte
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return meta, nil, fmt.Errorf("backup: %w: %v", ErrCorrupt, err)
		}
		if sums != nil {
			return meta, nil, fmt.Errorf("backup: %w: entry %q after the checksums", ErrCorrupt, hdr.Name)
		}
		if hdr.Typeflag != tar.TypeReg {
			return meta, nil, fmt.Errorf("backup: %w: entry %q is not a regular file", ErrCorrupt, hdr.Name)
		}
		if hdr.Name == SumsName {
			if hdr.Size > maxSumsBytes {
				return meta, nil, fmt.Errorf("backup: %w: checksums of %d bytes", ErrCorrupt, hdr.Size)
			}
			if sums, err = io.ReadAll(tr); err != nil {
				return meta, nil, fmt.Errorf("backup: %w: checksums: %v", ErrCorrupt, err)
			}
			continue
		}
		if err := checkName(hdr.Name); err != nil {
			return meta, nil, fmt.Errorf("backup: %w: %v", ErrCorrupt, err)
		}
		if _, dup := got[hdr.Name]; dup {
			return meta, nil, fmt.Errorf("backup: %w: entry %q twice", ErrCorrupt, hdr.Name)
		}
		sum, err := extractFile(tr, filepath.Join(dir, filepath.FromSlash(hdr.Name)))
		if err != nil {
			return meta, nil, fmt.Errorf("backup: extract %s: %w", hdr.Name, err)
		}
		got[hdr.Name] = sum
		names = append(names, hdr.Name)
	}
	if sums == nil {
		return meta, nil, fmt.Errorf("backup: %w: no checksums (truncated?)", ErrCorrupt)
	}
	if err := checkSums(sums, got); err != nil {
		return meta, nil, fmt.Errorf("backup: %w: %v", ErrCorrupt, err)
	}
	if meta.Manifest != "" && !slices.Contains(names, meta.Manifest) {
		return meta, nil, fmt.Errorf("backup: %w: the manifest %s is missing", ErrCorrupt, meta.Manifest)
	}
	return meta, names, nil
}

// extractFile writes one entry to dest, returning its SHA-256 in hex.
func extractFile(r io.Reader, dest string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		return "", err
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkSums compares the checksum lines of an archive with the sums of the
// entries read: every entry listed, and every listed entry present.
func checkSums(sums []byte, got map[string]string) error {
	listed := map[string]bool{}
	for line := range strings.SplitSeq(strings.TrimSuffix(string(sums), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			return fmt.Errorf("checksum line %q", line)
		}
		have, present := got[name]
		switch {
		case !present:
			return fmt.Errorf("entry %q is listed but missing", name)
		case listed[name]:
			return fmt.Errorf("entry %q is listed twice", name)
		case have != sum:
			return fmt.Errorf("entry %q does not match its checksum", name)
		}
		listed[name] = true
	}
	for name := range got {
		if !listed[name] {
			return fmt.Errorf("entry %q has no checksum", name)
		}
	}
	return nil
}
