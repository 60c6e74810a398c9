package domain

import (
	"fmt"
	"strings"
)

// NationCode is the code of the root of the region tree.
const NationCode = "0"

// Level is an assessment level (考评层级) and the level of a region in the tree.
// The order is from the top down: a smaller value is a higher level.
type Level int

const (
	LevelNation Level = iota
	LevelProvince
	LevelPrefecture
	LevelCounty
	LevelTownship
	LevelVillage
)

var levelNames = [...]string{"nation", "province", "prefecture", "county", "township", "village"}

func (l Level) String() string {
	if l < LevelNation || l > LevelVillage {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l]
}

// Valid reports whether l is one of the six levels.
func (l Level) Valid() bool { return l >= LevelNation && l <= LevelVillage }

// ParseLevel parses a level's name as String prints it.
func ParseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), true
		}
	}
	return 0, false
}

// MarshalText lets a Level travel as its name in JSON.
func (l Level) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("invalid level %d", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText parses a level's name.
func (l *Level) UnmarshalText(b []byte) error {
	v, ok := ParseLevel(string(b))
	if !ok {
		return fmt.Errorf("unknown level %q", b)
	}
	*l = v
	return nil
}

// codeLengths is the length of a statistical division code at each level;
// codes are prefixes of one another (11 > 1101 > 110101 > 110101001 > 110101001001).
var codeLengths = [...]int{1, 2, 4, 6, 9, 12}

// LevelOfCode returns the level that a region code's length implies, and
// false when the code is not a well-formed statistical division code.
func LevelOfCode(code string) (Level, bool) {
	if code == NationCode {
		return LevelNation, true
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	for lv := LevelProvince; lv <= LevelVillage; lv++ {
		if len(code) == codeLengths[lv] {
			return lv, true
		}
	}
	return 0, false
}

// ParentCode returns the code of a region's parent ("" for the nation).
func ParentCode(code string) string {
	lv, ok := LevelOfCode(code)
	if !ok || lv == LevelNation {
		return ""
	}
	if lv == LevelProvince {
		return NationCode
	}
	return code[:codeLengths[lv-1]]
}

// AncestorCodes returns the codes from the nation down to code's parent.
func AncestorCodes(code string) []string {
	lv, ok := LevelOfCode(code)
	if !ok || lv == LevelNation {
		return nil
	}
	out := []string{NationCode}
	for l := LevelProvince; l < lv; l++ {
		out = append(out, code[:codeLengths[l]])
	}
	return out
}

// Within reports whether code lies in the subtree rooted at scope (scope
// itself included). Every region is within the nation. A malformed or empty
// code or scope is within nothing, so that a missing region never widens an
// authorization check.
func Within(code, scope string) bool {
	if _, ok := LevelOfCode(code); !ok {
		return false
	}
	if _, ok := LevelOfCode(scope); !ok {
		return false
	}
	return scope == NationCode || strings.HasPrefix(code, scope)
}

// Region is one node of the region tree.
type Region struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      Level  `json:"level"`
	ParentCode string `json:"parent_code,omitempty"`
}
