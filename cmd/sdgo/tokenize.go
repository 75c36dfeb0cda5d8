package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sdgo/sdgo/model/safetensors"
	"github.com/sdgo/sdgo/tokenizer"
)

func init() {
	register(command{name: "tokenize", summary: "show the CLIP token ids of prompts", run: runTokenize})
}

const tokenizeUsage = `Usage: sdgo tokenize [--json] [--pad-id N] [-m MODEL] [--] PROMPT...

Prints each prompt's 77 CLIP ids: the start id, the first 75 token ids, the end id,
then padding. Without --json the tokens are listed beside their ids with the token
count, and truncated prompts show what was cut off.

Flags:
  --json          print one JSON array holding each prompt's 77 ids
  --pad-id N      pad with id N (default: the model's pad token; 49407 without a model)
  -m, --model M   take the tokenizer from M: a diffusers folder (tokenizer/ files) or a
                  .safetensors checkpoint (SD2/OpenCLIP checkpoints pad with 0)
`

func runTokenize(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("tokenize", pflag.ContinueOnError)
	fs.Usage = func() {}
	asJSON := fs.Bool("json", false, "print one JSON array holding each prompt's 77 ids")
	padID := fs.Int("pad-id", tokenizer.EndID, "pad with id N (default: the model's pad token)")
	model := fs.StringP("model", "m", "", "diffusers folder or .safetensors checkpoint to take the tokenizer from")
	if err := fs.Parse(args); errors.Is(err, pflag.ErrHelp) {
		fmt.Fprint(stdout, tokenizeUsage)
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "sdgo tokenize: %v (see 'sdgo tokenize --help')\n", err)
		return exitUsage
	}
	prompts := fs.Args()
	if len(prompts) == 0 {
		fmt.Fprintln(stderr, "sdgo tokenize: no prompt given (see 'sdgo tokenize --help')")
		return exitUsage
	}
	tok, err := loadTokenizer(*model)
	if err != nil {
		fmt.Fprintf(stderr, "sdgo tokenize: %v\n", err)
		return exitFailure
	}
	if fs.Changed("pad-id") {
		if tok, err = tok.WithPadID(*padID); err != nil {
			fmt.Fprintf(stderr, "sdgo tokenize: invalid --pad-id %d: %v\n", *padID, err)
			return exitUsage
		}
	}
	if *asJSON {
		err = printJSON(stdout, tok, prompts)
	} else {
		err = printTable(stdout, tok, prompts)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sdgo tokenize: %v\n", err)
		return exitFailure
	}
	return 0
}

// loadTokenizer returns the tokenizer of a model path, or CLIP's SD1 tokenizer for "".
func loadTokenizer(model string) (*tokenizer.Tokenizer, error) {
	if model == "" {
		return tokenizer.NewCLIP(tokenizer.EndID)
	}
	st, err := os.Stat(model)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if st.IsDir() {
		return tokenizer.LoadDir(model)
	}
	if !strings.HasSuffix(strings.ToLower(model), ".safetensors") {
		return nil, fmt.Errorf("model %s: want a diffusers folder or a .safetensors file", model)
	}
	f, err := safetensors.Open(model)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	defer f.Close()
	return tokenizer.NewCLIP(tokenizer.PadIDForCheckpoint(f.Names()))
}

func printJSON(w io.Writer, tok *tokenizer.Tokenizer, prompts []string) error {
	windows := make([][]int, len(prompts))
	for i, p := range prompts {
		windows[i], _ = tok.EncodeWindow(p)
	}
	out, err := json.Marshal(windows)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", out)
	return err
}

// printTable lists each prompt's ids beside their tokens, with one line for the padding.
func printTable(w io.Writer, tok *tokenizer.Tokenizer, prompts []string) error {
	var b strings.Builder
	for i, p := range prompts {
		if i > 0 {
			b.WriteByte('\n')
		}
		window, untruncated := tok.EncodeWindow(p)
		tokens := untruncated - 2
		fmt.Fprintf(&b, "prompt %d: %s\n", i+1, strconv.Quote(p))
		if tokens > tokenizer.ChunkLength {
			dropped, err := tok.Decode(tok.Encode(p)[tokenizer.ChunkLength:])
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%d tokens: TRUNCATED to %d, %d dropped: %s\n", tokens, tokenizer.ChunkLength,
				tokens-tokenizer.ChunkLength, strconv.Quote(dropped))
		} else {
			fmt.Fprintf(&b, "%d tokens of %d\n", tokens, tokenizer.ChunkLength)
		}
		used := min(tokens, tokenizer.ChunkLength) + 2
		for pos, id := range window[:used] {
			text, _ := tok.Token(id)
			fmt.Fprintf(&b, "%5d  %6d  %s\n", pos, id, text)
		}
		if used < len(window) {
			fmt.Fprintf(&b, "%5s  %6d  padding ×%d\n", fmt.Sprintf("%d-%d", used, len(window)-1), tok.PadID(), len(window)-used)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
