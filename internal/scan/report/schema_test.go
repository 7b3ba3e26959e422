package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/scan/cookiedb"
	"github.com/noren-web/noren/internal/scan/verdict"
	"github.com/noren-web/noren/internal/scan/visit"
)

// schemaPath is the JSON Schema of the report, which docs/scan.md links.
var schemaPath = filepath.Join("..", "..", "..", "docs", "scan-report.schema.json")

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("read %s: %v", schemaPath, err)
	}
	return s
}

// resolve follows a node's $ref within the schema's $defs.
func resolve(root, node map[string]any) map[string]any {
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			return nil
		}
		def, _ := root["$defs"].(map[string]any)[name].(map[string]any)
		if def == nil {
			return nil
		}
		node = def
	}
}

// jsonField is a struct field as encoding/json writes it.
type jsonField struct {
	name     string
	optional bool
	typ      reflect.Type
}

func jsonFields(typ reflect.Type) []jsonField {
	var out []jsonField
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		optional := false
		for o := range strings.SplitSeq(opts, ",") {
			optional = optional || o == "omitempty" || o == "omitzero"
		}
		out = append(out, jsonField{name: name, optional: optional, typ: f.Type})
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// compareSchema lists where the schema node and the Go type disagree:
// fields the schema lacks or has in excess, what is required, and the
// JSON type of each value, all the way down.
func compareSchema(root, node map[string]any, typ reflect.Type, at string) []string {
	node = resolve(root, node)
	if node == nil {
		return []string{at + ": a $ref to nothing"}
	}
	typeIs := func(want string) []string {
		if got, _ := node["type"].(string); got != want {
			if _, isConst := node["const"]; isConst && want == "string" {
				return nil
			}
			return []string{fmt.Sprintf("%s: the schema says type %v, the report writes %s", at, node["type"], want)}
		}
		return nil
	}
	switch {
	case typ == timeType:
		if p := typeIs("string"); p != nil {
			return p
		}
		if node["format"] != "date-time" {
			return []string{at + ": a time without format date-time"}
		}
		return nil
	case typ.Kind() == reflect.Pointer:
		return compareSchema(root, node, typ.Elem(), at)
	case typ.Kind() == reflect.Slice:
		if p := typeIs("array"); p != nil {
			return p
		}
		items, _ := node["items"].(map[string]any)
		if items == nil {
			return []string{at + ": an array without items"}
		}
		return compareSchema(root, items, typ.Elem(), at+"[]")
	case typ.Kind() == reflect.String:
		return typeIs("string")
	case typ.Kind() == reflect.Bool:
		return typeIs("boolean")
	case typ.Kind() == reflect.Int:
		return typeIs("integer")
	case typ.Kind() != reflect.Struct:
		return []string{fmt.Sprintf("%s: the test does not know %s", at, typ)}
	}
	var problems []string
	problems = append(problems, typeIs("object")...)
	if node["additionalProperties"] != false {
		problems = append(problems, at+": an object open to properties the report never writes")
	}
	props, _ := node["properties"].(map[string]any)
	var required []string
	for _, r := range node["required"].([]any) {
		required = append(required, r.(string))
	}
	seen := make(map[string]bool)
	for _, f := range jsonFields(typ) {
		seen[f.name] = true
		path := at + "." + f.name
		prop, ok := props[f.name].(map[string]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: %s writes it, the schema lacks it", path, typ))
			continue
		}
		if _, ok := prop["description"]; !ok {
			problems = append(problems, path+": no description")
		}
		if req := slices.Contains(required, f.name); req == f.optional {
			problems = append(problems, fmt.Sprintf("%s: the report leaves it out when empty: %t, the schema requires it: %t", path, f.optional, req))
		}
		problems = append(problems, compareSchema(root, prop, f.typ, path)...)
	}
	for name := range props {
		if !seen[name] {
			problems = append(problems, fmt.Sprintf("%s.%s: the schema has it, %s never writes it", at, name, typ))
		}
	}
	return problems
}

// TestSchemaMatchesReport checks the schema against the structs the report
// is written from, both ways, so that neither can change alone.
func TestSchemaMatchesReport(t *testing.T) {
	root := loadSchema(t)
	if root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema is %v", root["$schema"])
	}
	if c := root["properties"].(map[string]any)["schema"].(map[string]any)["const"]; c != verdict.Schema {
		t.Errorf("the schema's constant is %v, the report's %s", c, verdict.Schema)
	}
	for _, p := range compareSchema(root, root, reflect.TypeFor[verdict.Report](), "$") {
		t.Error(p)
	}
}

// TestSchemaEnums checks that the schema's lists of states, kinds,
// severities and subjects are the report's own.
func TestSchemaEnums(t *testing.T) {
	root := loadSchema(t)
	defs := root["$defs"].(map[string]any)
	finding := defs["finding"].(map[string]any)["properties"].(map[string]any)
	enum := func(node any) []string {
		var out []string
		for _, v := range node.(map[string]any)["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	var states []string
	for _, s := range visit.States() {
		states = append(states, string(s))
	}
	tests := []struct {
		name      string
		got, want []string
	}{
		{"states", enum(defs["state"]), states},
		{"kinds", enum(finding["kind"]), kinds()},
		{"severities", enum(finding["severity"]), []string{string(verdict.Violation), string(verdict.Warning)}},
		{"subjects", enum(finding["subject_kind"]), subjects()},
		{"choices", enum(defs["choice"]), []string{visit.ChoiceBanner, visit.ChoiceNorenCookie}},
		{"storage", enum(defs["storageKey"].(map[string]any)["properties"].(map[string]any)["kind"]), []string{visit.LocalStorage, visit.SessionStorage, visit.IndexedDB}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("the schema's %s are %q, the report's %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestReportsMatchSchema validates reports as WriteJSON writes them
// against the schema.
func TestReportsMatchSchema(t *testing.T) {
	root := loadSchema(t)
	minimal := &verdict.Report{Schema: verdict.Schema, URL: "https://example.jp/", Started: started, Finished: started,
		Observations: &visit.Result{States: []visit.StateResult{{State: visit.GPC}}}}
	for name, r := range map[string]*verdict.Report{"sample": sampleReport(), "hostile": hostileReport(), "minimal": minimal} {
		var b bytes.Buffer
		if err := WriteJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, p := range validate(root, root, doc, "$") {
			t.Errorf("%s: %s", name, p)
		}
	}
}

// validate checks v against the parts of JSON Schema the report's schema
// uses: $ref, type, const, enum, properties, required,
// additionalProperties, items, minimum, maxItems and format date-time.
func validate(root, node map[string]any, v any, at string) []string {
	node = resolve(root, node)
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, at+": "+fmt.Sprintf(format, args...)) }
	if c, ok := node["const"]; ok && v != c {
		fail("%v is not %v", v, c)
	}
	if e, ok := node["enum"].([]any); ok && !slices.Contains(e, v) {
		fail("%v is none of %v", v, e)
	}
	switch node["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("not an object")
			break
		}
		props, _ := node["properties"].(map[string]any)
		for _, r := range node["required"].([]any) {
			if _, ok := obj[r.(string)]; !ok {
				fail("lacks %s", r)
			}
		}
		for k, val := range obj {
			prop, ok := props[k].(map[string]any)
			if !ok {
				if node["additionalProperties"] == false {
					fail("has %s, which the schema does not allow", k)
				}
				continue
			}
			problems = append(problems, validate(root, prop, val, at+"."+k)...)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			fail("not an array")
			break
		}
		if m, ok := node["maxItems"].(float64); ok && float64(len(arr)) > m {
			fail("%d items, at most %v allowed", len(arr), m)
		}
		items := node["items"].(map[string]any)
		for i, x := range arr {
			problems = append(problems, validate(root, items, x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			fail("not a string")
			break
		}
		if node["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				fail("not a date-time: %v", err)
			}
		}
	case "integer":
		n, ok := v.(float64)
		if !ok || n != float64(int64(n)) {
			fail("not an integer")
			break
		}
		if m, ok := node["minimum"].(float64); ok && n < m {
			fail("%v is below %v", n, m)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("not a boolean")
		}
	}
	return problems
}

// TestValidate checks that the validator refuses what it is for, so that
// a passing TestReportsMatchSchema means something.
func TestValidate(t *testing.T) {
	root := loadSchema(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(doc map[string]any)
		want   string
	}{
		{"wrong schema", func(d map[string]any) { d["schema"] = "noren-scan/2" }, "is not noren-scan/1"},
		{"missing field", func(d map[string]any) { delete(d, "findings") }, "lacks findings"},
		{"extra field", func(d map[string]any) { d["extra"] = 1 }, "has extra"},
		{"bad kind", func(d map[string]any) { finding0(d)["kind"] = "odd" }, "is none of"},
		{"bad time", func(d map[string]any) { d["started"] = "yesterday" }, "not a date-time"},
		{"negative count", func(d map[string]any) { d["violations"] = -1.0 }, "below 0"},
		{"null list", func(d map[string]any) { d["pages"] = nil }, "not an array"},
		{"too much evidence", func(d map[string]any) {
			e := finding0(d)["evidence"].([]any)
			finding0(d)["evidence"] = append(e, e[0])
		}, "at most 20"},
	}
	for _, tt := range tests {
		var doc map[string]any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		tt.change(doc)
		if got := strings.Join(validate(root, root, doc, "$"), "\n"); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want a problem with %q", tt.name, got, tt.want)
		}
	}
}

func finding0(doc map[string]any) map[string]any {
	return doc["findings"].([]any)[0].(map[string]any)
}

// TestJudgedReportMatchesSchema writes what the verdict makes of a scan,
// rather than a report built by hand, and checks both outputs: the
// schema must describe the report as the scanner really fills it in.
func TestJudgedReportMatchesSchema(t *testing.T) {
	const csv = "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n" +
		"g1,Google Analytics,Analytics,_ga,google-analytics.com,ID used to identify users,2 years,Google,https://business.safety.google/privacy/,0\n" +
		"a1,Example Ads,Marketing,ad_,,Tracks ads,90 days,Example Ads Inc.,,1\n"
	db, err := cookiedb.Load(strings.NewReader(csv), "test.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := verdict.Judge(verdict.Input{DB: db, Result: sampleReport().Observations, Pages: sampleReport().Pages, Version: "test"})
	if len(r.Findings) == 0 {
		t.Fatal("the verdict found nothing, so the test checks little")
	}
	var j bytes.Buffer
	if err := WriteJSON(&j, r); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(j.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range validate(loadSchema(t), loadSchema(t), doc, "$") {
		t.Error(p)
	}
	var h bytes.Buffer
	if err := WriteHTML(&h, r); err != nil {
		t.Fatal(err)
	}
	for _, p := range checkDocument(h.Bytes()) {
		t.Error(p)
	}
}
