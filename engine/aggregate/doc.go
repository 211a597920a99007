// Package aggregate finds persons who may be the same human: in two
// source systems, or twice in one.
//
// Each source system has an aggregation value (engine.SourceSystem.
// AggregationValue): a fixed text, a person field or a JavaScript snippet,
// by default engine.DefaultAggregationSnippet ("vanderberg pj 19800102 m").
// Values computes every person's value in parallel, with the snippet
// machinery of engine/accounts (the same Person object, removeDiacritics
// and time limit); Check validates a source's mapping as it is saved or
// imported. Find then compares the values, not every pair but a few
// neighbours in three sorted orders, and suggests the pairs whose
// similarity reaches the workspace's engine.AggregationSettings.
//
// The package is pure: no store, no UI. Deciding (merging, rejecting,
// holding persons back) belongs to the caller, which tells Find through
// its skip function which pairs are settled already.
package aggregate
