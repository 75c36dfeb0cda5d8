package imageio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// ParametersKey is the PNG text keyword A1111 and sdgo store the infotext under.
const ParametersKey = "parameters"

// maxTextBytes bounds a decompressed zTXt / iTXt text, against zlib bombs.
const maxTextBytes = 16 << 20

// ErrNoParameters is returned by ReadParameters for a PNG without a "parameters" text.
var ErrNoParameters = errors.New("no generation parameters")

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// IsPNG reports whether data starts with the PNG signature.
func IsPNG(data []byte) bool { return bytes.HasPrefix(data, pngSignature) }

// EncodePNG writes img as a PNG with text (when not empty) stored under the keyword
// "parameters", right after the IHDR chunk: as tEXt when text is representable in
// Latin-1 (the tEXt encoding), else as uncompressed iTXt in UTF-8, as PIL does.
func EncodePNG(w io.Writer, img image.Image, text string) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("imageio: encoding PNG: %w", err)
	}
	data := buf.Bytes()
	if text == "" {
		_, err := w.Write(data)
		return err
	}
	// The signature (8 bytes) is followed by IHDR: length 13, type, data, CRC = 25 bytes.
	const ihdrEnd = 8 + 25
	if _, err := w.Write(data[:ihdrEnd]); err != nil {
		return err
	}
	typ, body := textChunk(ParametersKey, text)
	if err := writeChunk(w, typ, body); err != nil {
		return err
	}
	_, err := w.Write(data[ihdrEnd:])
	return err
}

// textChunk returns the type and data of a tEXt chunk, or iTXt when text is not Latin-1
// (invalid UTF-8 in text is replaced by U+FFFD).
func textChunk(key, text string) (string, []byte) {
	latin := make([]byte, 0, len(text))
	for _, r := range text {
		if r > 0xFF {
			b := append([]byte(key), 0, 0, 0, 0, 0) // compression flag, method, language, translated keyword
			return "iTXt", append(b, strings.ToValidUTF8(text, "\uFFFD")...)
		}
		latin = append(latin, byte(r))
	}
	return "tEXt", append(append([]byte(key), 0), latin...)
}

// writeChunk writes one PNG chunk: length, type, data, CRC-32 of type and data.
func writeChunk(w io.Writer, typ string, data []byte) error {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(append(b, typ...), data...)
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
	_, err := w.Write(b)
	return err
}

// WritePNG writes img with the given parameters text to path atomically: the PNG is
// written to a temporary file in the same directory and renamed over path, so path holds
// either its old content or the complete new file; on error nothing is left behind.
func WritePNG(path string, img image.Image, text string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("imageio: writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("imageio: writing %s: %w", path, err)
		}
	}()
	if err = EncodePNG(f, img, text); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// ReadParameters returns the "parameters" text of the PNG file at path. A file that is
// not a PNG is an error; a PNG without the text returns an error wrapping ErrNoParameters.
func ReadParameters(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("imageio: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("imageio: reading %s: %w", path, err)
	}
	texts, err := PNGText(data)
	if err != nil {
		return "", fmt.Errorf("imageio: %s: %w", path, err)
	}
	text, ok := texts[ParametersKey]
	if !ok {
		return "", fmt.Errorf("imageio: %s: %w", path, ErrNoParameters)
	}
	return text, nil
}

// PNGText returns the text chunks (tEXt, zTXt, iTXt; compressed or not) of a PNG stream by
// keyword, as UTF-8. Chunks are read up to IEND or the end of data; a chunk with a bad
// CRC or length, or text that does not decompress, is an error.
func PNGText(data []byte) (map[string]string, error) {
	if !IsPNG(data) {
		return nil, errors.New("not a PNG file")
	}
	texts := map[string]string{}
	for rest := data[len(pngSignature):]; len(rest) > 0; {
		if len(rest) < 12 {
			return nil, errors.New("truncated PNG chunk")
		}
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-12) {
			return nil, fmt.Errorf("PNG chunk %q is truncated (length %d)", rest[4:8], n)
		}
		typ, body := string(rest[4:8]), rest[8:8+n]
		if crc32.ChecksumIEEE(rest[4:8+n]) != binary.BigEndian.Uint32(rest[8+n:]) {
			return nil, fmt.Errorf("PNG chunk %q has a bad CRC", typ)
		}
		rest = rest[12+n:]
		if typ == "IEND" {
			break
		}
		key, text, ok, err := parseTextChunk(typ, body)
		if err != nil {
			return nil, fmt.Errorf("PNG %s chunk: %w", typ, err)
		}
		if ok {
			texts[key] = text
		}
	}
	return texts, nil
}

// parseTextChunk decodes a tEXt, zTXt or iTXt chunk body; ok is false for other chunks.
func parseTextChunk(typ string, body []byte) (key, text string, ok bool, err error) {
	if typ != "tEXt" && typ != "zTXt" && typ != "iTXt" {
		return "", "", false, nil
	}
	k, rest, found := bytes.Cut(body, []byte{0})
	if !found || len(k) == 0 {
		return "", "", false, errors.New("missing keyword")
	}
	key = latin1(k)
	switch typ {
	case "tEXt":
		return key, latin1(rest), true, nil
	case "zTXt":
		if len(rest) < 1 || rest[0] != 0 {
			return "", "", false, errors.New("unknown compression method")
		}
		b, err := inflate(rest[1:])
		return key, latin1(b), err == nil, err
	}
	if len(rest) < 2 {
		return "", "", false, errors.New("truncated")
	}
	compressed, method := rest[0], rest[1]
	_, rest, found = bytes.Cut(rest[2:], []byte{0}) // language tag
	if found {
		_, rest, found = bytes.Cut(rest, []byte{0}) // translated keyword
	}
	if !found {
		return "", "", false, errors.New("truncated")
	}
	switch {
	case compressed == 0:
	case method == 0:
		if rest, err = inflate(rest); err != nil {
			return "", "", false, err
		}
	default:
		return "", "", false, errors.New("unknown compression method")
	}
	if !utf8.Valid(rest) {
		return "", "", false, errors.New("text is not UTF-8")
	}
	return key, string(rest), true, nil
}

// inflate decompresses zlib data of at most maxTextBytes.
func inflate(b []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, maxTextBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxTextBytes {
		return nil, fmt.Errorf("text larger than %d MiB", maxTextBytes>>20)
	}
	return out, nil
}

// latin1 converts ISO 8859-1 bytes to a UTF-8 string.
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
