package imageio

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func chunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(append(b, typ...), data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

func zlibBytes(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	_, err := w.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

// withChunks inserts chunks after the IHDR of a PNG.
func withChunks(pngData []byte, chunks ...[]byte) []byte {
	out := append([]byte{}, pngData[:33]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, pngData[33:]...)
}

func TestEncodePNGWithParameters(t *testing.T) {
	img := randomImage(16, 8, 2)
	for _, text := range []string{"a cat\nSteps: 20, Seed: 1, Size: 16x8", "café, naïve", "猫 🐱\nNegative prompt: x", ""} {
		var b bytes.Buffer
		require.NoError(t, EncodePNG(&b, img, text))
		dec, err := png.Decode(bytes.NewReader(b.Bytes()))
		require.NoError(t, err, "the stream stays a valid PNG")
		got := image.NewNRGBA(dec.Bounds())
		draw.Draw(got, got.Bounds(), dec, image.Point{}, draw.Src)
		require.Equal(t, img.Pix, got.Pix)
		texts, err := PNGText(b.Bytes())
		require.NoError(t, err)
		if text == "" {
			require.Empty(t, texts)
			continue
		}
		require.Equal(t, map[string]string{"parameters": text}, texts)
		typ := string(b.Bytes()[37:41]) // the chunk right after IHDR
		if text == "猫 🐱\nNegative prompt: x" {
			require.Equal(t, "iTXt", typ)
		} else {
			require.Equal(t, "tEXt", typ)
		}
	}
}

func TestPNGTextChunkKinds(t *testing.T) {
	base := encodePNG(t, randomImage(8, 8, 1))
	data := withChunks(base,
		chunk("tEXt", []byte("Software\x00caf\xe9")),
		chunk("zTXt", append([]byte("Comment\x00\x00"), zlibBytes(t, "zipped \xff")...)),
		chunk("iTXt", append([]byte("parameters\x00\x01\x00en\x00Parameter\x00"), zlibBytes(t, "猫, Steps: 1")...)),
		chunk("iTXt", []byte("plain\x00\x00\x00\x00\x00ünï")),
	)
	texts, err := PNGText(data)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"Software": "café", "Comment": "zipped ÿ", "parameters": "猫, Steps: 1", "plain": "ünï"}, texts)
}

func TestPNGTextErrors(t *testing.T) {
	base := encodePNG(t, randomImage(8, 8, 1))
	badCRC := withChunks(base, chunk("tEXt", []byte("k\x00v")))
	badCRC[33+11]++ // a data byte of the inserted chunk
	for name, tc := range map[string]struct {
		data []byte
		msg  string
	}{
		"jpeg":      {[]byte("\xff\xd8\xff\xe0 JFIF"), "not a PNG"},
		"truncated": {base[:40], "truncated"},
		"bad crc":   {badCRC, "bad CRC"},
		"no key":    {withChunks(base, chunk("tEXt", []byte("\x00v"))), "missing keyword"},
		"zmethod":   {withChunks(base, chunk("zTXt", []byte("k\x00\x07xx"))), "compression method"},
		"zlib":      {withChunks(base, chunk("zTXt", []byte("k\x00\x00not zlib"))), "zTXt"},
		"itxt":      {withChunks(base, chunk("iTXt", []byte("k\x00\x00"))), "truncated"},
		"itxt utf8": {withChunks(base, chunk("iTXt", []byte("k\x00\x00\x00\x00\x00\xff"))), "UTF-8"},
	} {
		_, err := PNGText(tc.data)
		require.ErrorContains(t, err, tc.msg, name)
	}
}

func TestWritePNGAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.png")
	img := randomImage(8, 8, 4)
	require.NoError(t, WritePNG(path, img, "p\nSteps: 1, Seed: 2, Size: 8x8"))
	text, err := ReadParameters(path)
	require.NoError(t, err)
	require.Equal(t, "p\nSteps: 1, Seed: 2, Size: 8x8", text)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), st.Mode().Perm())

	// Overwrite; then a failing encode leaves the old file and no temporary behind.
	require.NoError(t, WritePNG(path, img, "second\nSteps: 1, Seed: 2, Size: 8x8"))
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	err = WritePNG(path, image.NewNRGBA(image.Rect(0, 0, 0, 0)), "x")
	require.ErrorContains(t, err, path)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)

	// Renaming over a directory fails: nothing left behind either.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.png"), 0o755))
	require.Error(t, WritePNG(filepath.Join(dir, "sub.png"), img, ""))
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2)
	require.ErrorContains(t, WritePNG(filepath.Join(dir, "missing", "x.png"), img, ""), "missing")
}

func TestReadParameters(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.png")
	require.NoError(t, os.WriteFile(plain, encodePNG(t, randomImage(8, 8, 1)), 0o644))
	_, err := ReadParameters(plain)
	require.True(t, errors.Is(err, ErrNoParameters))
	require.ErrorContains(t, err, plain)
	txt := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(txt, []byte("hello"), 0o644))
	_, err = ReadParameters(txt)
	require.ErrorContains(t, err, "not a PNG")
	_, err = ReadParameters(filepath.Join(dir, "missing.png"))
	require.Error(t, err)
}

func FuzzPNGText(f *testing.F) {
	base := encodePNG(f, randomImage(4, 4, 1))
	var b bytes.Buffer
	require.NoError(f, EncodePNG(&b, randomImage(4, 4, 1), "a, b\nSteps: 1, Seed: 2, Size: 4x4"))
	f.Add(b.Bytes())
	f.Add(withChunks(base, chunk("zTXt", append([]byte("k\x00\x00"), zlibBytes(f, "zz")...))))
	f.Add(withChunks(base, chunk("iTXt", append([]byte("parameters\x00\x01\x00\x00\x00"), zlibBytes(f, "x")...))))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x05tEXt"))
	f.Fuzz(func(t *testing.T, data []byte) {
		texts, err := PNGText(data)
		if err != nil {
			return
		}
		for k, v := range texts {
			require.NotEmpty(t, k)
			_ = Parse(v).Format()
		}
	})
}
