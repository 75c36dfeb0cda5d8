package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// unicodeTablesGz holds the Unicode data that text clean-up needs and Go's standard
// library lacks; the header of the file describes its lines and their origin.
//
//go:embed unicode_tables.txt.gz
var unicodeTablesGz []byte

// normTables are ftfy's width map and the Unicode data of NFC.
type normTables struct {
	width     map[rune]string  // full-/half-width form → usual form
	decompose map[rune][]rune  // full canonical decomposition
	compose   map[[2]rune]rune // starter + following rune → primary composite
	classes   []classRange     // canonical combining classes, sorted
}

type classRange struct {
	first, last rune
	class       uint8
}

// unicodeTables parses the embedded tables once. Malformed lines (there are none) are
// skipped; the tests check the entry counts.
var unicodeTables = sync.OnceValue(func() *normTables {
	t := &normTables{width: map[rune]string{}, decompose: map[rune][]rune{}, compose: map[[2]rune]rune{}}
	zr, err := gzip.NewReader(bytes.NewReader(unicodeTablesGz))
	if err != nil {
		return t
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[0] == "#" {
			continue
		}
		if f[0] == "k" && len(f) == 4 {
			runes, ok := parseHexRunes(f[1:3])
			class, err := strconv.ParseUint(f[3], 10, 8)
			if ok && err == nil {
				t.classes = append(t.classes, classRange{runes[0], runes[1], uint8(class)})
			}
			continue
		}
		runes, ok := parseHexRunes(f[1:])
		switch {
		case !ok:
		case f[0] == "w":
			t.width[runes[0]] = string(runes[1:])
		case f[0] == "d":
			t.decompose[runes[0]] = runes[1:]
		case f[0] == "c" && len(runes) == 3:
			t.compose[[2]rune{runes[0], runes[1]}] = runes[2]
		}
	}
	sort.Slice(t.classes, func(i, j int) bool { return t.classes[i].first < t.classes[j].first })
	return t
})

func parseHexRunes(fields []string) ([]rune, bool) {
	runes := make([]rune, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseUint(f, 16, 21)
		if err != nil {
			return nil, false
		}
		runes[i] = rune(v)
	}
	return runes, true
}

// combiningClass returns the canonical combining class of r.
func (t *normTables) combiningClass(r rune) uint8 {
	i := sort.Search(len(t.classes), func(i int) bool { return t.classes[i].last >= r })
	if i < len(t.classes) && t.classes[i].first <= r {
		return t.classes[i].class
	}
	return 0
}

// Hangul syllable (de)composition constants (Unicode §3.12).
const (
	hangulSBase, hangulLBase, hangulVBase, hangulTBase = 0xAC00, 0x1100, 0x1161, 0x11A7
	hangulLCount, hangulVCount, hangulTCount           = 19, 21, 28
	hangulNCount                                       = hangulVCount * hangulTCount
	hangulSCount                                       = hangulLCount * hangulNCount
)

// composeNFC returns the Unicode NFC form of text: full canonical decomposition,
// canonical ordering of combining marks, then canonical composition.
func composeNFC(text string) string {
	if isASCII(text) {
		return text
	}
	t := unicodeTables()
	runes := t.decomposeAll(text)
	t.orderMarks(runes)
	if s := string(t.composeAll(runes)); s != text {
		return s
	}
	return text
}

func (t *normTables) decomposeAll(text string) []rune {
	out := make([]rune, 0, len(text))
	for _, r := range text {
		switch s := r - hangulSBase; {
		case s >= 0 && s < hangulSCount:
			out = append(out, hangulLBase+s/hangulNCount, hangulVBase+s%hangulNCount/hangulTCount)
			if s%hangulTCount != 0 {
				out = append(out, hangulTBase+s%hangulTCount)
			}
		case t.decompose[r] != nil:
			out = append(out, t.decompose[r]...)
		default:
			out = append(out, r)
		}
	}
	return out
}

// orderMarks sorts each run of combining marks by combining class, stably.
func (t *normTables) orderMarks(runes []rune) {
	for i := 0; i < len(runes); {
		j := i
		for j < len(runes) && t.combiningClass(runes[j]) != 0 {
			j++
		}
		if run := runes[i:j]; len(run) > 1 {
			sort.SliceStable(run, func(a, b int) bool { return t.combiningClass(run[a]) < t.combiningClass(run[b]) })
		}
		i = j + 1
	}
}

// composeAll combines each rune with the last starter before it when they have a
// primary composite and no rune in between blocks them.
func (t *normTables) composeAll(runes []rune) []rune {
	out := runes[:0]
	starter, prevClass := -1, uint8(0)
	for _, r := range runes {
		class := t.combiningClass(r)
		if starter >= 0 && (starter == len(out)-1 || prevClass != 0 && prevClass < class) {
			if c, ok := t.composite(out[starter], r); ok {
				out[starter] = c
				continue
			}
		}
		if class == 0 {
			starter = len(out)
		}
		out = append(out, r)
		prevClass = class
	}
	return out
}

func (t *normTables) composite(first, second rune) (rune, bool) {
	if l, v := first-hangulLBase, second-hangulVBase; l >= 0 && l < hangulLCount && v >= 0 && v < hangulVCount {
		return hangulSBase + (l*hangulVCount+v)*hangulTCount, true
	}
	if s, tr := first-hangulSBase, second-hangulTBase; s >= 0 && s < hangulSCount && s%hangulTCount == 0 && tr > 0 && tr < hangulTCount {
		return first + tr, true
	}
	c, ok := t.compose[[2]rune{first, second}]
	return c, ok
}
