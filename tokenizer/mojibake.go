package tokenizer

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// windows1252High holds the runes Windows-1252 assigns to bytes 0x80..0x9F; the five
// unassigned bytes keep their Latin-1 control code points ("sloppy" Windows-1252).
var windows1252High = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

// windows1252Rune decodes one byte 0x80..0x9F as sloppy Windows-1252.
func windows1252Rune(b byte) rune { return windows1252High[b-0x80] }

func latin1Byte(r rune) (byte, bool) { return byte(r), r >= 0 && r <= 0xFF }

func windows1252Byte(r rune) (byte, bool) {
	if r < 0x80 || r >= 0xA0 && r <= 0xFF {
		return byte(r), r >= 0
	}
	for i, w := range windows1252High {
		if w == r {
			return byte(0x80 + i), true
		}
	}
	return 0, false
}

// restoreByteA0 undoes mojibake whose byte 0xA0 was turned into a space (ftfy's
// restore_byte_a0): "Ã " before a word becomes "à ", and a space inside a sequence
// that alteredUTF8Length recognises becomes 0xA0 again.
func restoreByteA0(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		if b[i] == 0xC3 && i+1 < len(b) && b[i+1] == ' ' && !aGraveExceptionFollows(b[i+2:]) {
			out = append(out, 0xC3, 0xA0, ' ')
			i += 2
			continue
		}
		out = append(out, b[i])
		i++
	}
	for i := 0; i < len(out); {
		n := alteredUTF8Length(out[i:])
		if n == 0 {
			i++
			continue
		}
		for j := i; j < i+n; j++ {
			if out[j] == ' ' {
				out[j] = 0xA0
			}
		}
		i += n
	}
	return out
}

// aGraveExceptionFollows reports the Portuguese words after which "Ã " is kept.
func aGraveExceptionFollows(rest []byte) bool {
	for _, w := range [...]string{" ", "quele", "quela", "quilo", "s "} {
		if bytes.HasPrefix(rest, []byte(w)) {
			return true
		}
	}
	return false
}

func hasAlteredUTF8(b []byte) bool {
	for i := range b {
		if alteredUTF8Length(b[i:]) > 0 {
			return true
		}
	}
	return false
}

// alteredUTF8Length returns the length of a UTF-8 sequence with a space in place of a
// 0xA0 byte at the start of b (ftfy's ALTERED_UTF8_RE), or 0.
func alteredUTF8Length(b []byte) int {
	at := func(i int, in func(byte) bool) bool { return i < len(b) && in(b[i]) }
	space := func(c byte) bool { return c == ' ' }
	cont := func(c byte) bool { return c >= 0x80 && c <= 0xBF }
	contNoA0 := func(c byte) bool { return cont(c) && c != 0x85 && c != 0xA0 }
	if len(b) == 0 {
		return 0
	}
	switch lead := b[0]; {
	case bytes.IndexByte([]byte{0xC2, 0xC3, 0xC5, 0xCE, 0xD0, 0xD9}, lead) >= 0 && at(1, space):
		return 2
	case (lead == 0xE2 || lead == 0xE3) && at(1, space) && at(2, contNoA0):
		return 3
	case lead >= 0xE0 && lead <= 0xE3 && at(1, contNoA0) && at(2, space):
		return 3
	case lead == 0xF0 && at(1, space) && at(2, cont) && at(3, cont),
		lead == 0xF0 && at(1, cont) && at(2, space) && at(3, cont),
		lead == 0xF0 && at(1, cont) && at(2, cont) && at(3, space):
		return 4
	}
	return 0
}

// fixEncoding is ftfy's fix_encoding for UTF-8 that was decoded as Latin-1 or
// Windows-1252 ("cafÃ©" → "café", "â€™" → "’"); ftfy also undoes other single-byte
// encodings (Windows-1250/1251/1253/1254/1257, ISO 8859-2, MacRoman, CP437), which this
// does not. Text is changed only when isBad finds mojibake in it. The whole text is
// re-read as UTF-8 if it can be, else each run of UTF-8-looking characters that looks
// bad on its own; this repeats until nothing changes.
func fixEncoding(text string) string {
	for range maxFixPasses {
		fixed := fixEncodingStep(text)
		if fixed == text {
			break
		}
		text = fixed
	}
	return text
}

func fixEncodingStep(text string) string {
	if isASCII(text) || !isBad(text) {
		return text
	}
	for _, encode := range []func(rune) (byte, bool){latin1Byte, windows1252Byte} {
		b, ok := encodeSingleByte(text, encode)
		if !ok {
			continue
		}
		if hasAlteredUTF8(b) {
			b = restoreByteA0(b)
		}
		if utf8.Valid(b) {
			return string(b)
		}
	}
	return decodeInconsistentUTF8(text)
}

func isASCII(text string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// encodeSingleByte encodes text with a single-byte encoding, if every rune has a byte.
func encodeSingleByte(text string, encode func(rune) (byte, bool)) ([]byte, bool) {
	out := make([]byte, 0, len(text))
	for _, r := range text {
		b, ok := encode(r)
		if !ok {
			return nil, false
		}
		out = append(out, b)
	}
	return out, true
}

// decodeInconsistentUTF8 fixes the runs of UTF-8-looking mojibake inside otherwise
// correct text (ftfy's decode_inconsistent_utf8): a run is one or more sequences of a
// lead rune and its continuation runes, not preceded by a strict continuation rune, and
// it is re-read only if it looks bad by itself.
func decodeInconsistentUTF8(text string) string {
	var out strings.Builder
	prev := rune(-1)
	for i := 0; i < len(text); {
		if n := mojibakeRunLength(text[i:]); n > 0 && !utf8ContinuationStrict[prev] {
			run := text[i : i+n]
			if len(run) < len(text) && isBad(run) {
				out.WriteString(fixEncoding(run))
			} else {
				out.WriteString(run)
			}
			prev, _ = utf8.DecodeLastRuneInString(run)
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		out.WriteString(text[i : i+size])
		prev = r
		i += size
	}
	return out.String()
}

// mojibakeRunLength returns the byte length of the longest run of lead-plus-continuation
// sequences at the start of text (greedy, first matching sequence length wins).
func mojibakeRunLength(text string) int {
	n := 0
	for {
		m := mojibakeSequenceLength(text[n:])
		if m == 0 {
			return n
		}
		n += m
	}
}

func mojibakeSequenceLength(text string) int {
	lead, size := utf8.DecodeRuneInString(text)
	for continuations, leads := range []runeSet{nil, utf8FirstOf2, utf8FirstOf3, utf8FirstOf4} {
		if leads == nil || !leads[lead] {
			continue
		}
		n := size
		for range continuations {
			r, s := utf8.DecodeRuneInString(text[n:])
			if s == 0 || !utf8Continuation[r] {
				n = 0
				break
			}
			n += s
		}
		if n > 0 {
			return n
		}
	}
	return 0
}
