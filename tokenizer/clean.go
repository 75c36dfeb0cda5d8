package tokenizer

import (
	"strings"
	"unicode"
)

// maxFixPasses bounds the fix-until-unchanged loop of fixText.
const maxFixPasses = 8

// cleanText prepares text for the pre-tokenizer as transformers' CLIPTokenizer does
// with ftfy installed: ftfy.fix_text, whitespace runs collapsed to one space and
// trimmed, then lower-cased.
func cleanText(text string) string {
	return lowerPython(collapseWhitespace(fixText(strings.ToValidUTF8(text, "\uFFFD"))))
}

// fixText is ftfy.fix_text with its default settings, except for the mojibake limits
// noted at fixEncoding. Like ftfy it works line by line; HTML entities are decoded until
// a line with a "<" is seen (the text is then taken to be HTML); each line goes through
// entity decoding, mojibake repair, removal of terminal escapes, C1 controls read as
// Windows-1252, straight quotes, removal of control characters, ligatures split,
// full-/half-width forms replaced, and NFC, repeated until it stops changing.
func fixText(text string) string {
	unescape := true
	var out strings.Builder
	for text != "" {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		if strings.Contains(line, "<") {
			unescape = false
		}
		out.WriteString(fixLine(line, unescape))
	}
	return out.String()
}

func fixLine(line string, unescape bool) string {
	for range maxFixPasses {
		before := line
		if unescape {
			line = unescapeHTML(line)
		}
		line = fixEncoding(line)
		line = removeTerminalEscapes(line)
		line = strings.Map(fixRune, line)
		line = replaceRunes(line)
		line = composeNFC(line)
		if line == before {
			break
		}
	}
	return line
}

// fixRune applies ftfy's one-rune fixes: C1 controls read as Windows-1252, curly quotes
// made straight, unwanted control characters removed (a negative result drops the rune).
func fixRune(r rune) rune {
	switch {
	case r >= 0x80 && r <= 0x9F:
		return windows1252Rune(byte(r))
	case r == 0x2BC || r >= 0x2018 && r <= 0x201B:
		return '\''
	case r >= 0x201C && r <= 0x201F:
		return '"'
	case isRemovedControl(r):
		return -1
	}
	return r
}

// isRemovedControl reports the control characters ftfy's remove_control_chars drops
// (tab, line feed, form feed and carriage return are kept).
func isRemovedControl(r rune) bool {
	return r <= 0x08 || r == 0x0B || r >= 0x0E && r <= 0x1F || r == 0x7F ||
		r >= 0x206A && r <= 0x206F || r == 0xFEFF || r >= 0xFFF9 && r <= 0xFFFC
}

// ligatures are the ones ftfy's fix_latin_ligatures splits.
var ligatures = map[rune]string{
	'Ĳ': "IJ", 'ĳ': "ij", 'ŉ': "ʼn", 'Ǳ': "DZ", 'ǲ': "Dz", 'ǳ': "dz", 'Ǆ': "DŽ", 'ǅ': "Dž", 'ǆ': "dž",
	'Ǉ': "LJ", 'ǈ': "Lj", 'ǉ': "lj", 'Ǌ': "NJ", 'ǋ': "Nj", 'ǌ': "nj",
	'ﬀ': "ff", 'ﬁ': "fi", 'ﬂ': "fl", 'ﬃ': "ffi", 'ﬄ': "ffl", 'ﬅ': "ſt", 'ﬆ': "st",
}

// replaceRunes splits ligatures and replaces full-width and half-width forms (and the
// ideographic space) with their usual forms, as ftfy's fix_latin_ligatures and
// fix_character_width do.
func replaceRunes(text string) string {
	widths := unicodeTables().width
	var out *strings.Builder
	for i, r := range text {
		rep, ok := ligatures[r]
		if !ok {
			rep, ok = widths[r]
		}
		if !ok {
			if out != nil {
				out.WriteRune(r)
			}
			continue
		}
		if out == nil {
			out = &strings.Builder{}
			out.WriteString(text[:i])
		}
		out.WriteString(rep)
	}
	if out == nil {
		return text
	}
	return out.String()
}

// removeTerminalEscapes deletes ANSI escape sequences ESC [ digits-and-semicolons letter.
func removeTerminalEscapes(text string) string {
	if !strings.Contains(text, "\x1b[") {
		return text
	}
	var out strings.Builder
	for {
		i := strings.Index(text, "\x1b[")
		if i < 0 {
			out.WriteString(text)
			return out.String()
		}
		j := i + 2
		for j < len(text) && (text[j] >= '0' && text[j] <= '9' || text[j] == ';') {
			j++
		}
		if j < len(text) && (text[j] >= 'a' && text[j] <= 'z' || text[j] >= 'A' && text[j] <= 'Z') {
			out.WriteString(text[:i])
			text = text[j+1:]
		} else {
			out.WriteString(text[:i+2])
			text = text[i+2:]
		}
	}
}

// isPythonSpace reports what Python's str.isspace accepts: Unicode white space plus the
// information separators U+001C..U+001F.
func isPythonSpace(r rune) bool { return unicode.IsSpace(r) || r >= 0x1C && r <= 0x1F }

// collapseWhitespace replaces whitespace runs by one space and trims both ends.
func collapseWhitespace(text string) string {
	return strings.Join(strings.FieldsFunc(text, isPythonSpace), " ")
}
