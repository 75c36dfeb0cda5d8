package sampler

import "github.com/sdgo/sdgo/internal/pyjson"

// replaceNonFinite makes Python-written JSON (e.g. "lambda_min_clipped": -Infinity)
// acceptable to encoding/json: non-finite tokens outside strings become null.
func replaceNonFinite(b []byte) []byte { return pyjson.Sanitize(b) }
