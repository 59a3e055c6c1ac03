package fhirpath

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"regexp"
	"strings"
)

// The string functions of FHIRPath section 5.6, with those FHIRPath 2.0 and
// 3.0 add: matchesFull(), trim(), split(), join(), encode(), decode(),
// escape() and unescape().

func fnIndexOf(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		sub, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		i := strings.Index(str, sub)
		if i > 0 {
			i = len([]rune(str[:i]))
		}
		return int64(i), nil
	})
}

func fnSubstring(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		start, ok, err := n.intArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		r := []rune(str)
		if start < 0 || int(start) >= len(r) {
			return nil, nil
		}
		end := int64(len(r))
		if len(n.args) == 2 {
			l, ok, err := n.intArg(c, s, 1)
			if err != nil {
				return nil, err
			}
			if ok {
				if l < 0 {
					l = 0
				}
				end = min(end, start+l)
			}
		}
		return string(r[start:end]), nil
	})
}

func fnStartsWith(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringPredicate(c, s, in, n, strings.HasPrefix)
}

func fnEndsWith(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringPredicate(c, s, in, n, strings.HasSuffix)
}

func fnContains(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringPredicate(c, s, in, n, strings.Contains)
}

func fnUpper(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		return strings.ToUpper(str), nil
	})
}

func fnLower(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		return strings.ToLower(str), nil
	})
}

func fnReplace(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		pat, ok1, err := n.stringArg(c, s, 0)
		if err != nil {
			return nil, err
		}
		rep, ok2, err := n.stringArg(c, s, 1)
		if err != nil || !ok1 || !ok2 {
			return nil, err
		}
		return strings.ReplaceAll(str, pat, rep), nil
	})
}

func fnMatches(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return regexMatch(c, s, in, n, false)
}

func fnMatchesFull(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return regexMatch(c, s, in, n, true)
}

func regexMatch(c *evalCtx, s *scope, in []item, n *funcNode, full bool) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		re, ok, err := n.regex(c, s, full)
		if err != nil || !ok {
			return nil, err
		}
		return re.MatchString(str), nil
	})
}

func fnReplaceMatches(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		re, ok, err := n.regex(c, s, false)
		if err != nil || !ok {
			return nil, err
		}
		rep, ok, err := n.stringArg(c, s, 1)
		if err != nil || !ok {
			return nil, err
		}
		if re.String() == "(?s)" {
			return str, nil
		}
		return re.ReplaceAllString(str, javaReplacement(rep)), nil
	})
}

// regex is the pattern of matches() and its kin: compiled once when it is a
// literal, at each call otherwise.
func (n *funcNode) regex(c *evalCtx, s *scope, full bool) (*regexp.Regexp, bool, error) {
	if n.re != nil {
		return n.re, true, nil
	}
	p, ok, err := n.stringArg(c, s, 0)
	if err != nil || !ok {
		return nil, false, err
	}
	re, err := compileRegex(p, full)
	if err != nil {
		return nil, false, errf("%s(): %v", n.name, err)
	}
	return re, true, nil
}

// javaReplacement turns Java's $1 group references into Go's ${1}.
func javaReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		if r[i] == '$' && i+1 < len(r) && isDigit(r[i+1]) {
			j := i + 1
			for j < len(r) && isDigit(r[j]) {
				j++
			}
			b.WriteString("${" + r[i+1:j] + "}")
			i = j - 1
			continue
		}
		b.WriteByte(r[i])
	}
	return b.String()
}

func fnLength(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		return int64(len([]rune(str))), nil
	})
}

func fnToChars(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	str, ok, err := singletonString(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	var out []item
	for _, r := range str {
		out = append(out, item{v: string(r)})
	}
	return out, nil
}

func fnTrim(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		return strings.TrimSpace(str), nil
	})
}

func fnSplit(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	str, ok, err := singletonString(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	sep, ok, err := n.stringArg(c, s, 0)
	if err != nil || !ok {
		return nil, err
	}
	var out []item
	for _, p := range strings.Split(str, sep) {
		out = append(out, item{v: p})
	}
	return out, nil
}

func fnJoin(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	sep := ""
	if len(n.args) == 1 {
		v, _, err := n.stringArg(c, s, 0)
		if err != nil {
			return nil, err
		}
		sep = v
	}
	parts := make([]string, 0, len(in))
	for _, it := range in {
		str, ok := sysVal(it).(string)
		if !ok {
			return nil, errf("join() needs strings, got %s", describe(it))
		}
		parts = append(parts, str)
	}
	return one(strings.Join(parts, sep)), nil
}

func fnEncode(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return codec(c, s, in, n, func(s, format string) (string, bool) {
		switch format {
		case "base64":
			return base64.StdEncoding.EncodeToString([]byte(s)), true
		case "urlbase64":
			return base64.URLEncoding.EncodeToString([]byte(s)), true
		case "hex":
			return hex.EncodeToString([]byte(s)), true
		}
		return "", false
	})
}

func fnDecode(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return codec(c, s, in, n, func(s, format string) (string, bool) {
		var b []byte
		var err error
		switch format {
		case "base64":
			b, err = base64.StdEncoding.DecodeString(s)
		case "urlbase64":
			b, err = base64.URLEncoding.DecodeString(s)
		case "hex":
			b, err = hex.DecodeString(s)
		default:
			return "", false
		}
		return string(b), err == nil
	})
}

func fnEscape(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return codec(c, s, in, n, func(s, format string) (string, bool) {
		switch format {
		case "html":
			return htmlEscaper.Replace(s), true
		case "json":
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.Encode(s)
			out := strings.TrimSpace(b.String())
			return out[1 : len(out)-1], true
		}
		return "", false
	})
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func fnUnescape(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return codec(c, s, in, n, func(s, format string) (string, bool) {
		switch format {
		case "html":
			return html.UnescapeString(s), true
		case "json":
			var out string
			// quotes need not be escaped in the input; escape them for the decoder
			quoted := `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\"`, `"`), `"`, `\"`) + `"`
			err := json.Unmarshal([]byte(quoted), &out)
			return out, err == nil
		}
		return "", false
	})
}

// stringFunc applies f to a single string input; an empty input, or f's nil,
// is empty.
func stringFunc(in []item, n *funcNode, f func(str string) (any, error)) ([]item, error) {
	str, ok, err := singletonString(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	v, err := f(str)
	if err != nil || v == nil {
		return nil, err
	}
	return one(v), nil
}

func stringPredicate(c *evalCtx, s *scope, in []item, n *funcNode, f func(a, b string) bool) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		sub, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		return f(str, sub), nil
	})
}

// codec applies an encoding named by the argument; an unknown one is empty.
func codec(c *evalCtx, s *scope, in []item, n *funcNode, f func(s, format string) (string, bool)) ([]item, error) {
	return stringFunc(in, n, func(str string) (any, error) {
		format, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		out, ok := f(str, format)
		if !ok {
			return nil, nil
		}
		return out, nil
	})
}
