package site

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// A page that carries a per-response CSP nonce differs between responses
// only in the nonce's bytes. gzipSplice compresses the rest once: the page
// is split at the nonce's positions into segments, each segment is deflated
// on its own and ends byte-aligned (a sync flush), and a response is then
//
//	gzip header, segment 1, stored block holding the nonce, segment 2, …,
//	final empty stored block, CRC-32 and length
//
// so that only the CRC-32 is computed per response. Deflate's back
// references reach into the output before them, whatever produced it, so
// each segment is compressed with the segments before it as a preset
// dictionary, the nonces standing in as runs of NUL bytes of the nonce's
// length: a match only copies bytes equal to the segment's own, so in a
// segment without NUL bytes (any HTML page in practice; a segment with one
// is compressed without a dictionary) no match touches a nonce, and what
// the client inflates is the page with the response's nonce in place.

// gzipHeader is the fixed header of the spliced members: no name, no
// modification time, operating system unknown (RFC 1952).
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// gzipFinalBlock is an empty stored block marked final: it ends the deflate
// stream from a byte boundary.
var gzipFinalBlock = []byte{1, 0, 0, 0xff, 0xff}

// maxStoredBlock is the most a stored deflate block holds (RFC 1951 3.2.4).
const maxStoredBlock = 65535

// flateWindow is how far back deflate's references reach.
const flateWindow = 32 << 10

// errNonceLength refuses a nonce whose length differs from the one the
// segments were compressed for: the dictionaries would be misaligned.
var errNonceLength = errors.New("site: nonce length differs from the cached page's")

// gzipSplice is a page's segments deflated for splicing with nonces of one
// length.
type gzipSplice struct {
	blocks   [][]byte // blocks[i] is segments[i] deflated, byte-aligned; nil for an empty segment
	nonceLen int
	size     int // bytes of blocks
}

// newGzipSplice deflates segments at level for nonces of nonceLen bytes.
func newGzipSplice(segments [][]byte, nonceLen, level int) (*gzipSplice, error) {
	g := &gzipSplice{blocks: make([][]byte, len(segments)), nonceLen: nonceLen}
	var history []byte // the page so far, nonces as NUL bytes
	placeholder := make([]byte, nonceLen)
	var buf bytes.Buffer
	for i, seg := range segments {
		if i > 0 {
			history = append(history, placeholder...)
		}
		if len(seg) > 0 {
			buf.Reset()
			var dict []byte
			if bytes.IndexByte(seg, 0) < 0 {
				dict = history[max(0, len(history)-flateWindow):]
			}
			fw, err := flate.NewWriterDict(&buf, level, dict)
			if err != nil {
				return nil, fmt.Errorf("site: deflate cached page: %w", err)
			}
			if _, err := fw.Write(seg); err != nil {
				return nil, fmt.Errorf("site: deflate cached page: %w", err)
			}
			// A sync flush ends on a byte boundary without ending the stream.
			if err := fw.Flush(); err != nil {
				return nil, fmt.Errorf("site: deflate cached page: %w", err)
			}
			g.blocks[i] = bytes.Clone(buf.Bytes())
			g.size += buf.Len()
		}
		history = append(history, seg...)
		// Only the last window's worth is ever a dictionary.
		if len(history) > 2*flateWindow {
			history = append(history[:0], history[len(history)-flateWindow:]...)
		}
	}
	return g, nil
}

// len is the length of the gzip member for a nonce of nonceLen bytes.
func (g *gzipSplice) len() int64 {
	n := len(gzipHeader) + g.size + len(gzipFinalBlock) + 8
	if nonces := len(g.blocks) - 1; nonces > 0 && g.nonceLen > 0 {
		n += nonces * (g.nonceLen + 5*((g.nonceLen+maxStoredBlock-1)/maxStoredBlock))
	}
	return int64(n)
}

// write sends the gzip member of segments joined by nonce. segments must
// be those g was made from.
func (g *gzipSplice) write(w io.Writer, segments [][]byte, nonce string) (int64, error) {
	if len(nonce) != g.nonceLen && len(g.blocks) > 1 {
		return 0, errNonceLength
	}
	nb := []byte(nonce)
	crc := uint32(0)
	size := uint32(0)
	for i, seg := range segments {
		if i > 0 {
			crc = crc32.Update(crc, crc32.IEEETable, nb)
			size += uint32(len(nonce))
		}
		crc = crc32.Update(crc, crc32.IEEETable, seg)
		size += uint32(len(seg)) // ISIZE is the length modulo 2³²
	}
	stored := storedBlocks(nonce)
	var n int64
	write := func(p []byte) error {
		m, err := w.Write(p)
		n += int64(m)
		return err
	}
	if err := write(gzipHeader); err != nil {
		return n, err
	}
	for i, block := range g.blocks {
		if i > 0 {
			if err := write(stored); err != nil {
				return n, err
			}
		}
		if err := write(block); err != nil {
			return n, err
		}
	}
	var trailer [13]byte
	copy(trailer[:], gzipFinalBlock)
	binary.LittleEndian.PutUint32(trailer[5:], crc)
	binary.LittleEndian.PutUint32(trailer[9:], size)
	err := write(trailer[:])
	return n, err
}

// storedBlocks returns p as non-final stored deflate blocks, each a byte
// holding BFINAL 0 and BTYPE 00, then LEN and its complement.
func storedBlocks(p string) []byte {
	if p == "" {
		return nil
	}
	out := make([]byte, 0, len(p)+5*((len(p)+maxStoredBlock-1)/maxStoredBlock))
	for len(p) > 0 {
		k := min(len(p), maxStoredBlock)
		out = append(out, 0)
		out = binary.LittleEndian.AppendUint16(out, uint16(k))
		out = binary.LittleEndian.AppendUint16(out, ^uint16(k))
		out = append(out, p[:k]...)
		p = p[k:]
	}
	return out
}
