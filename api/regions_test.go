package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ducha/ducha/testenv"
)

type regionOut struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	ParentCode string `json:"parent_code"`
}

type regionPage struct {
	Items []regionOut `json:"items"`
	Next  *string     `json:"next"`
}

func TestRegions(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	county := a.NewUser("county410102", "county_officer", "410102")
	hotline := a.NewUser("hotline11", "hotline_operator", "11")

	t.Run("list200", func(t *testing.T) {
		for _, q := range []string{"/api/v1/regions?limit=500", "/api/v1/regions?parent=0&limit=500"} {
			var p regionPage
			a.Must(200, "GET", q, county, nil).JSON(t, &p)
			if len(p.Items) != 31 || p.Next != nil {
				t.Fatalf("%s: %d children of the nation (next %v), want the 31 provinces", q, len(p.Items), p.Next)
			}
			for i, r := range p.Items {
				if len(r.Code) != 2 || r.Level != "province" || r.ParentCode != "0" || r.Name == "" {
					t.Errorf("%s: item %d = %+v", q, i, r)
				}
				if i > 0 && r.Code <= p.Items[i-1].Code {
					t.Errorf("%s: not ordered by code at %d", q, i)
				}
			}
		}
		// The default page size (50) holds all 31.
		var p regionPage
		a.Must(200, "GET", "/api/v1/regions", hotline, nil).JSON(t, &p)
		if len(p.Items) != 31 {
			t.Errorf("default page: %d provinces", len(p.Items))
		}
		a.Must(200, "GET", "/api/v1/regions?parent=4101", county, nil).JSON(t, &p)
		if len(p.Items) == 0 {
			t.Fatal("Zhengzhou has no counties")
		}
		for _, r := range p.Items {
			if !strings.HasPrefix(r.Code, "4101") || len(r.Code) != 6 || r.Level != "county" || r.ParentCode != "4101" {
				t.Errorf("child of 4101: %+v", r)
			}
		}
		// A county has no children until townships are imported.
		a.Must(200, "GET", "/api/v1/regions?parent=410102", county, nil).JSON(t, &p)
		if len(p.Items) != 0 || p.Next != nil || p.Items == nil {
			t.Errorf("children of a county before the import: %+v", p)
		}
	})

	t.Run("nextParam200", func(t *testing.T) {
		// The response calls the cursor "next"; ?next= is accepted like ?cursor=.
		var first, second regionPage
		a.Must(200, "GET", "/api/v1/regions?parent=0&limit=30", county, nil).JSON(t, &first)
		if first.Next == nil {
			t.Fatal("no next page after 30 of 31 provinces")
		}
		a.Must(200, "GET", "/api/v1/regions?parent=0&limit=30&next="+url.QueryEscape(*first.Next), county, nil).JSON(t, &second)
		if len(second.Items) != 1 || second.Next != nil || second.Items[0].Code <= first.Items[29].Code {
			t.Errorf("second page %+v", second)
		}
	})
	t.Run("pages200", func(t *testing.T) {
		var codes []string
		pages, cursor := 0, ""
		for {
			q := "/api/v1/regions?parent=0&limit=10"
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			var p regionPage
			a.Must(200, "GET", q, county, nil).JSON(t, &p)
			pages++
			for _, r := range p.Items {
				codes = append(codes, r.Code)
			}
			if p.Next == nil {
				break
			}
			if len(p.Items) != 10 || pages > 4 {
				t.Fatalf("page %d: %d items", pages, len(p.Items))
			}
			cursor = *p.Next
		}
		if pages != 4 || len(codes) != 31 {
			t.Errorf("%d pages, %d provinces; want 4 pages (10+10+10+1) and 31", pages, len(codes))
		}
		seen := map[string]bool{}
		for i, c := range codes {
			if seen[c] || (i > 0 && c <= codes[i-1]) {
				t.Errorf("pages repeat or disorder %s at %d", c, i)
			}
			seen[c] = true
		}
	})

	t.Run("get200", func(t *testing.T) {
		var r regionOut
		a.Must(200, "GET", "/api/v1/regions/41", county, nil).JSON(t, &r)
		if r != (regionOut{Code: "41", Name: "河南省", Level: "province", ParentCode: "0"}) {
			t.Errorf("41 = %+v", r)
		}
		a.Must(200, "GET", "/api/v1/regions/410102", hotline, nil).JSON(t, &r)
		if r != (regionOut{Code: "410102", Name: "中原区", Level: "county", ParentCode: "4101"}) {
			t.Errorf("410102 = %+v", r)
		}
		r = regionOut{}
		a.Must(200, "GET", "/api/v1/regions/0", county, nil).JSON(t, &r)
		if r.Code != "0" || r.Level != "nation" || r.ParentCode != "" || r.Name == "" {
			t.Errorf("0 = %+v", r)
		}
	})

	t.Run("get401", func(t *testing.T) {
		checkProblem(t, "no token", a.Do("GET", "/api/v1/regions/41", "", nil), 401)
		checkProblem(t, "no token", a.Do("GET", "/api/v1/regions", "", nil), 401)
	})

	t.Run("get404", func(t *testing.T) {
		for _, c := range []string{"99", "419999", "410102999", "abc", "4", "4101020010011"} {
			checkProblem(t, "region "+c, a.Do("GET", "/api/v1/regions/"+c, county, nil), 0)
		}
		checkProblem(t, "unknown province", a.Do("GET", "/api/v1/regions/99", county, nil), 404)
		checkProblem(t, "unknown county", a.Do("GET", "/api/v1/regions/419999", county, nil), 404)
		checkProblem(t, "malformed", a.Do("GET", "/api/v1/regions/abc", county, nil), 404)
	})

	t.Run("list422", func(t *testing.T) {
		for _, parent := range []string{"99", "419999", "abc", "%20"} {
			p := checkProblem(t, "parent "+parent, a.Do("GET", "/api/v1/regions?parent="+parent, county, nil), 422)
			if p != nil && !hasField(p, "query.parent") {
				t.Errorf("parent %s: errors %v should name query.parent", parent, fieldErrors(p))
			}
		}
		checkProblem(t, "bad cursor", a.Do("GET", "/api/v1/regions?cursor=%25", county, nil), 422)
		checkProblem(t, "limit 0", a.Do("GET", "/api/v1/regions?limit=0", county, nil), 422)
		checkProblem(t, "limit 501", a.Do("GET", "/api/v1/regions?limit=501", county, nil), 422)
	})
}
