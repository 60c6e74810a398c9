// Package domain holds ducha's core vocabulary: regions and assessment levels,
// roles, the indicator catalogue, the state machines of campaigns, batches,
// inspections and complaint cases, the scoring rules and the one error type.
//
// It depends on the standard library only; every other package points inward
// to it.
package domain
