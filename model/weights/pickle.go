package weights

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// A restricted pickle reader: it understands the opcodes that torch.save emits (protocol 2,
// plus the few protocol 4 framing opcodes) and builds plain Go values. Nothing is ever
// executed: a GLOBAL is resolved through a caller-supplied table (see torchGlobal), and
// anything that table does not know is refused by name.

// The values the reader produces, besides nil, bool, int64, float64, string and []byte.
type (
	pickleTuple []any
	// pickleList is shared by reference, as APPEND after a memo GET must see one list.
	pickleList struct{ items []any }
	// pickleDict keeps insertion order; keys are usually strings.
	pickleDict struct {
		keys, values []any
		index        map[string]int // position of each string key
	}
	// pickleFunc is a global that REDUCE may call.
	pickleFunc struct {
		name string
		call func(args pickleTuple) (any, error)
	}
	// pickleClass is an allowed class whose instances are kept as inert pickleObjects.
	pickleClass struct{ name string }
	// pickleObject is an instance of a pickleClass: its constructor arguments and the
	// state BUILD gave it; no code of the class ever runs.
	pickleObject struct {
		class string
		args  pickleTuple
		state any
	}
)

// get returns the value stored under a string key.
func (d *pickleDict) get(key string) (any, bool) {
	i, ok := d.index[key]
	if !ok {
		return nil, false
	}
	return d.values[i], true
}

func (d *pickleDict) set(k, v any) {
	s, isString := k.(string)
	if i, ok := d.index[s]; ok && isString {
		d.values[i] = v
		return
	}
	if isString {
		if d.index == nil {
			d.index = map[string]int{}
		}
		d.index[s] = len(d.keys)
	}
	d.keys = append(d.keys, k)
	d.values = append(d.values, v)
}

// pickleMachine is the state of one unpickling run.
type pickleMachine struct {
	data           []byte
	pos            int
	stack          []any
	marks          []int
	memo           map[uint32]any
	global         func(module, name string) (any, error)
	persistentLoad func(pid any) (any, error)
}

// unpickle decodes one pickle from data. global resolves GLOBAL/STACK_GLOBAL references
// (returning an error refuses them); persistentLoad resolves BINPERSID ids.
func unpickle(data []byte, global func(module, name string) (any, error), persistentLoad func(pid any) (any, error)) (any, error) {
	m := &pickleMachine{data: data, memo: map[uint32]any{}, global: global, persistentLoad: persistentLoad}
	for {
		at := m.pos
		op, err := m.read(1)
		if err != nil {
			return nil, err
		}
		done, err := m.step(op[0])
		if err != nil {
			return nil, fmt.Errorf("pickle offset %d (opcode %#02x): %w", at, op[0], err)
		}
		if done {
			return m.pop()
		}
	}
}

var errPickleTruncated = errors.New("pickle data truncated")

func (m *pickleMachine) read(n int) ([]byte, error) {
	if n < 0 || n > len(m.data)-m.pos {
		return nil, errPickleTruncated
	}
	b := m.data[m.pos : m.pos+n]
	m.pos += n
	return b, nil
}

// opArgSize is the byte size of the fixed-size little-endian argument of an opcode.
var opArgSize = map[byte]int{
	// BININT1, BININT2, BININT
	'K': 1, 'M': 2, 'J': 4,
	// BINPUT, LONG_BINPUT, BINGET, LONG_BINGET
	'q': 1, 'r': 4, 'h': 1, 'j': 4,
	// LONG1 (its length byte)
	0x8a: 1,
	// BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINSTRING, SHORT_BINSTRING
	'X': 4, 0x8c: 1, 0x8d: 8, 'T': 4, 'U': 1,
	// BINBYTES, SHORT_BINBYTES, BINBYTES8
	'B': 4, 'C': 1, 0x8e: 8,
}

// readArg reads the fixed-size little-endian argument of op.
func (m *pickleMachine) readArg(op byte) (uint64, error) {
	size := opArgSize[op]
	b, err := m.read(size)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

func (m *pickleMachine) readLine() (string, error) {
	i := bytes.IndexByte(m.data[m.pos:], '\n')
	if i < 0 {
		return "", errPickleTruncated
	}
	s := string(m.data[m.pos : m.pos+i])
	m.pos += i + 1
	return s, nil
}

func (m *pickleMachine) push(v any) { m.stack = append(m.stack, v) }

func (m *pickleMachine) pop() (any, error) {
	base := 0
	if len(m.marks) > 0 {
		base = m.marks[len(m.marks)-1]
	}
	if len(m.stack) <= base {
		return nil, errors.New("stack underflow")
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

// popMark returns the items pushed since the last MARK and drops the mark.
func (m *pickleMachine) popMark() ([]any, error) {
	if len(m.marks) == 0 {
		return nil, errors.New("no MARK on the stack")
	}
	base := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := append([]any(nil), m.stack[base:]...)
	m.stack = m.stack[:base]
	return items, nil
}

func (m *pickleMachine) top() (any, error) {
	v, err := m.pop()
	if err == nil {
		m.push(v)
	}
	return v, err
}

// step executes one opcode; it reports true at STOP.
func (m *pickleMachine) step(op byte) (bool, error) {
	switch op {
	case 0x80: // PROTO
		_, err := m.read(1)
		return false, err
	case 0x95: // FRAME (protocol 4): a length we do not need
		_, err := m.read(8)
		return false, err
	case '.': // STOP
		return true, nil
	case '(': // MARK
		m.marks = append(m.marks, len(m.stack))
	case '0': // POP
		_, err := m.pop()
		return false, err
	case '1': // POP_MARK
		_, err := m.popMark()
		return false, err
	case '2': // DUP
		v, err := m.top()
		if err != nil {
			return false, err
		}
		m.push(v)
	case 'N': // NONE
		m.push(nil)
	case 0x88, 0x89: // NEWTRUE, NEWFALSE
		m.push(op == 0x88)
	case 'K', 'M', 'J': // BININT1, BININT2, BININT
		return false, m.pushInt(op)
	case 0x8a: // LONG1
		return false, m.pushLong()
	case 'G': // BINFLOAT (big-endian)
		b, err := m.read(8)
		if err != nil {
			return false, err
		}
		m.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'X', 0x8c, 0x8d, 'T', 'U': // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINSTRING, SHORT_BINSTRING
		b, err := m.readCounted(op)
		if err != nil {
			return false, err
		}
		m.push(string(b))
	case 'B', 'C', 0x8e: // BINBYTES, SHORT_BINBYTES, BINBYTES8
		b, err := m.readCounted(op)
		if err != nil {
			return false, err
		}
		m.push(append([]byte(nil), b...))
	case ')': // EMPTY_TUPLE
		m.push(pickleTuple{})
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		n := int(op - 0x84)
		if len(m.stack) < n {
			return false, errors.New("stack underflow")
		}
		t := append(pickleTuple(nil), m.stack[len(m.stack)-n:]...)
		m.stack = m.stack[:len(m.stack)-n]
		m.push(t)
	case 't': // TUPLE
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		m.push(pickleTuple(items))
	case ']': // EMPTY_LIST
		m.push(&pickleList{})
	case 'l': // LIST
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		m.push(&pickleList{items: items})
	case 'a', 'e': // APPEND, APPENDS
		return false, m.appendItems(op == 'e')
	case '}': // EMPTY_DICT
		m.push(&pickleDict{})
	case 'd': // DICT
		items, err := m.popMark()
		if err != nil {
			return false, err
		}
		d := &pickleDict{}
		m.push(d)
		return false, setPairs(d, items)
	case 's', 'u': // SETITEM, SETITEMS
		return false, m.setItems(op == 'u')
	case 'q', 'r': // BINPUT, LONG_BINPUT
		idx, err := m.readArg(op)
		if err != nil {
			return false, err
		}
		v, err := m.top()
		m.memo[uint32(idx)] = v
		return false, err
	case 0x94: // MEMOIZE
		v, err := m.top()
		m.memo[uint32(len(m.memo))] = v
		return false, err
	case 'h', 'j': // BINGET, LONG_BINGET
		idx, err := m.readArg(op)
		if err != nil {
			return false, err
		}
		v, ok := m.memo[uint32(idx)]
		if !ok {
			return false, fmt.Errorf("memo entry %d is not defined", idx)
		}
		m.push(v)
	case 'c', 0x93: // GLOBAL, STACK_GLOBAL
		return false, m.pushGlobal(op == 0x93)
	case 'R', 0x81: // REDUCE, NEWOBJ
		return false, m.call(op == 0x81)
	case 'b': // BUILD
		return false, m.build()
	case 'Q': // BINPERSID
		pid, err := m.pop()
		if err != nil {
			return false, err
		}
		v, err := m.persistentLoad(pid)
		if err != nil {
			return false, err
		}
		m.push(v)
	default:
		return false, fmt.Errorf("unsupported pickle opcode %#02x (not used by torch.save state dicts)", op)
	}
	return false, nil
}

func (m *pickleMachine) pushInt(op byte) error {
	v, err := m.readArg(op)
	if err != nil {
		return err
	}
	if op == 'J' { // BININT is signed
		m.push(int64(int32(uint32(v))))
	} else {
		m.push(int64(v))
	}
	return nil
}

// pushLong decodes LONG1: a little-endian two's complement integer of up to 8 bytes.
func (m *pickleMachine) pushLong() error {
	n, err := m.readArg(0x8a)
	if err != nil {
		return err
	}
	if n > 8 {
		return fmt.Errorf("integer of %d bytes does not fit in 64 bits", n)
	}
	b, err := m.read(int(n))
	if err != nil {
		return err
	}
	var v uint64
	for i := int(n) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if n > 0 && n < 8 && b[n-1]&0x80 != 0 { // sign-extend
		v |= ^uint64(0) << (8 * n)
	}
	m.push(int64(v))
	return nil
}

// readCounted reads the payload of a length-prefixed string or bytes opcode.
func (m *pickleMachine) readCounted(op byte) ([]byte, error) {
	n, err := m.readArg(op)
	if err != nil {
		return nil, err
	}
	if n > uint64(len(m.data)-m.pos) {
		return nil, errPickleTruncated
	}
	return m.read(int(n))
}

// popItems pops everything above the last mark (many) or the top n items, returned in
// stack order.
func (m *pickleMachine) popItems(many bool, n int) ([]any, error) {
	if many {
		return m.popMark()
	}
	items := make([]any, n)
	for i := n - 1; i >= 0; i-- {
		v, err := m.pop()
		if err != nil {
			return nil, err
		}
		items[i] = v
	}
	return items, nil
}

func (m *pickleMachine) appendItems(many bool) error {
	items, err := m.popItems(many, 1)
	if err != nil {
		return err
	}
	target, err := m.top()
	if err != nil {
		return err
	}
	l, ok := target.(*pickleList)
	if !ok {
		return fmt.Errorf("APPEND to a %T, not a list", target)
	}
	l.items = append(l.items, items...)
	return nil
}

func (m *pickleMachine) setItems(many bool) error {
	items, err := m.popItems(many, 2)
	if err != nil {
		return err
	}
	target, err := m.top()
	if err != nil {
		return err
	}
	d, ok := target.(*pickleDict)
	if !ok {
		return fmt.Errorf("SETITEM on a %T, not a dict", target)
	}
	return setPairs(d, items)
}

func setPairs(d *pickleDict, items []any) error {
	if len(items)%2 != 0 {
		return errors.New("odd number of items for a dict")
	}
	for i := 0; i < len(items); i += 2 {
		d.set(items[i], items[i+1])
	}
	return nil
}

func (m *pickleMachine) pushGlobal(fromStack bool) error {
	var module, name string
	if fromStack {
		n, err := m.pop()
		if err != nil {
			return err
		}
		mod, err := m.pop()
		if err != nil {
			return err
		}
		var ok1, ok2 bool
		module, ok1 = mod.(string)
		name, ok2 = n.(string)
		if !ok1 || !ok2 {
			return errors.New("STACK_GLOBAL needs two strings")
		}
	} else {
		var err error
		if module, err = m.readLine(); err != nil {
			return err
		}
		if name, err = m.readLine(); err != nil {
			return err
		}
	}
	g, err := m.global(module, name)
	if err != nil {
		return err
	}
	m.push(g)
	return nil
}

// call runs REDUCE (callable, args) or NEWOBJ (class, args).
func (m *pickleMachine) call(newobj bool) error {
	a, err := m.pop()
	if err != nil {
		return err
	}
	f, err := m.pop()
	if err != nil {
		return err
	}
	args, ok := a.(pickleTuple)
	if !ok {
		return fmt.Errorf("call arguments are a %T, not a tuple", a)
	}
	switch g := f.(type) {
	case *pickleClass:
		m.push(&pickleObject{class: g.name, args: args})
		return nil
	case *pickleFunc:
		if newobj {
			return fmt.Errorf("NEWOBJ on %s, which is not a class", g.name)
		}
		v, err := g.call(args)
		if err != nil {
			return fmt.Errorf("%s: %w", g.name, err)
		}
		m.push(v)
		return nil
	}
	return fmt.Errorf("cannot call a %T", f)
}

// build runs BUILD: objects of allowed classes keep their state; an OrderedDict's instance
// state (torch's `_metadata` on state dicts) is ignored.
func (m *pickleMachine) build() error {
	state, err := m.pop()
	if err != nil {
		return err
	}
	target, err := m.top()
	if err != nil {
		return err
	}
	switch o := target.(type) {
	case *pickleObject:
		o.state = state
		return nil
	case *pickleDict:
		return nil
	}
	return fmt.Errorf("BUILD on a %T", target)
}
