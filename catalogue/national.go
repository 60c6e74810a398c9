package catalogue

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/ducha/ducha/domain"
)

// Codes of the two national sets.
const (
	CodeNationalInflow  = "NATIONAL-INFLOW-2007"
	CodeNationalOutflow = "NATIONAL-OUTFLOW-2007"
)

//go:embed national.json
var nationalJSON []byte

// Set is one national indicator set as the notice gives it.
type Set struct {
	Kind       domain.SetKind     `json:"kind"`
	Code       string             `json:"code"`    // "NATIONAL-INFLOW-2007" / "NATIONAL-OUTFLOW-2007"
	Name       string             `json:"name"`    // the table's title, verbatim: 流动人口计划生育管理和服务工作检查评估指标(流入地)(试行) etc.
	NameEN     string             `json:"name_en"` // our translation
	Indicators []domain.Indicator `json:"indicators"`
}

// National returns the inflow set then the outflow set, freshly decoded
// (callers may modify them). An error means the embedded data is corrupt,
// which the package's tests rule out.
func National() ([]Set, error) {
	dec := json.NewDecoder(bytes.NewReader(nationalJSON))
	dec.DisallowUnknownFields()
	var sets []Set
	if err := dec.Decode(&sets); err != nil {
		return nil, fmt.Errorf("catalogue: decode national.json: %w", err)
	}
	if len(sets) != 2 || sets[0].Kind != domain.KindInflow || sets[1].Kind != domain.KindOutflow {
		return nil, fmt.Errorf("catalogue: national.json must hold the inflow set then the outflow set")
	}
	return sets, nil
}
