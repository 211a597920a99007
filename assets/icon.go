package assets

import _ "embed"

// Icon is Provisio's application icon (PNG, 256×256).
//
//go:embed icon.png
var Icon []byte
