package store_test

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/regions"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
)

// The store tests run on SQLite, and on MySQL/MariaDB too when
// DUCHA_TEST_MYSQL is set (testenv picks the engine).

// baseCounts is what the first migrations load: the tree shipped in the binary.
var baseCounts = map[domain.Level]int64{
	domain.LevelNation: 1, domain.LevelProvince: 31, domain.LevelPrefecture: 342, domain.LevelCounty: 2978,
}

func counts(t testing.TB, s *store.Store) map[domain.Level]int64 {
	t.Helper()
	c, err := s.Read(context.Background()).CountRegions()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sameCounts(a, b map[domain.Level]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.DSN(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, dsn, testenv.Logger(t))
		if err != nil {
			t.Fatalf("%s: %v", testenv.Engine(), err)
		}
		return s
	}
	s := open()
	defer s.Close()
	for i := range 3 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
		if c := counts(t, s); !sameCounts(c, baseCounts) {
			t.Fatalf("after migration %d: regions %v, want %v", i+1, c, baseCounts)
		}
	}
	// Another process starting on the same database (a restart, a replica).
	s2 := open()
	defer s2.Close()
	if err := s2.Migrate(ctx); err != nil {
		t.Fatalf("migration from a second pool: %v", err)
	}
	if c := counts(t, s2); !sameCounts(c, baseCounts) {
		t.Fatalf("regions %v, want %v", c, baseCounts)
	}
}

// TestConcurrentMigrations starts several pools on one empty database at
// once, as replicas do: the lock lets one migrate and the others find it done.
func TestConcurrentMigrations(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.DSN(t)
	const n = 3
	// The pools open one after the other: two processes creating a new
	// SQLite file at the same instant may see SQLITE_BUSY while it turns to
	// WAL, a one-time race this test is not about.
	var pools []*store.Store
	for range n {
		s, err := store.Open(ctx, dsn, testenv.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		pools = append(pools, s)
	}
	errs := make(chan error, n)
	for _, s := range pools {
		go func() { errs <- s.Migrate(ctx) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("%s: %v", testenv.Engine(), err)
		}
	}
	s, err := store.Open(ctx, dsn, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if c := counts(t, s); !sameCounts(c, baseCounts) {
		t.Fatalf("regions %v, want %v", c, baseCounts)
	}
}

// writeFixture writes a small china-division folder: townships of two real
// counties and villages under them, the villages gzipped.
func writeFixture(t *testing.T, villageName string) string {
	t.Helper()
	dir := t.TempDir()
	streets := "code,name,areaCode,provinceCode,cityCode\n" +
		"410102001,\"林山寨街道\",410102,41,4101\n" +
		"410102002,\"建设路街道\",410102,41,4101\n" +
		"110101001,\"东华门街道\",110101,11,1101\n"
	if err := os.WriteFile(filepath.Join(dir, "streets.csv"), []byte(streets), 0o644); err != nil {
		t.Fatal(err)
	}
	villages := "code,name,streetCode,provinceCode,cityCode,areaCode\n" +
		"410102001001,\"" + villageName + "\",410102001,41,4101,410102\n" +
		"410102001002,\"百花社区居委会\",410102001,41,4101,410102\n" +
		"410102002001,\"建设路社区居委会\",410102002,41,4101,410102\n" +
		"110101001001,\"多福巷社区居委会\",110101001,11,1101,110101\n" +
		"110101001002,\"银闸社区居委会\",110101001,11,1101,110101\n"
	f, err := os.Create(filepath.Join(dir, "villages.csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	if _, err := gz.Write([]byte(villages)); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestImportRegionsIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := testenv.Store(t)
	want := map[domain.Level]int64{}
	for k, v := range baseCounts {
		want[k] = v
	}
	want[domain.LevelTownship], want[domain.LevelVillage] = 3, 5

	dir := writeFixture(t, "金海社区居委会")
	// A batch size of 2 makes full batches and a short last one.
	for i, batch := range []int{2, 2, 1000} {
		n, err := s.ImportRegions(ctx, regions.ReadDir(dir), batch)
		if err != nil {
			t.Fatalf("import %d: %v", i+1, err)
		}
		if n != 8 {
			t.Errorf("import %d wrote %d rows, want 8", i+1, n)
		}
		if c := counts(t, s); !sameCounts(c, want) {
			t.Fatalf("after import %d: %v, want %v", i+1, c, want)
		}
	}
	r, err := s.Read(ctx).Region("410102001001")
	if err != nil {
		t.Fatal(err)
	}
	if r != (domain.Region{Code: "410102001001", Name: "金海社区居委会", Level: domain.LevelVillage, ParentCode: "410102001"}) {
		t.Errorf("village = %+v", r)
	}
	kids, err := s.Read(ctx).RegionChildren("410102", "", 10)
	if err != nil || len(kids) != 2 || kids[0].Code != "410102001" || kids[1].Code != "410102002" {
		t.Errorf("townships of 410102: %+v, %v", kids, err)
	}

	// A renamed village in a later edition of the data is updated in place.
	dir = writeFixture(t, "金海社区")
	if _, err := s.ImportRegions(ctx, regions.ReadDir(dir), 1000); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Read(ctx).Region("410102001001"); r.Name != "金海社区" {
		t.Errorf("after a rename: %+v", r)
	}
	if c := counts(t, s); !sameCounts(c, want) {
		t.Fatalf("after the rename: %v, want %v", c, want)
	}
}

func TestImportRegionsStopsOnBadInput(t *testing.T) {
	ctx := context.Background()
	s := testenv.Store(t)
	if _, err := s.ImportRegions(ctx, regions.ReadDir(t.TempDir()), 100); err == nil {
		t.Error("an empty folder imported without error")
	}
	dir := writeFixture(t, "x")
	bad := "code,name\n410102001,\"林山寨街道\"\n41010200x,\"坏\"\n"
	if err := os.WriteFile(filepath.Join(dir, "streets.csv"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := s.ImportRegions(ctx, regions.ReadDir(dir), 100)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("a malformed code: %v, want an error naming line 3", err)
	}
	if c := counts(t, s); c[domain.LevelVillage] != 0 {
		t.Errorf("villages were imported after a bad township file: %v", c)
	}
}

// TestImportShippedRegions loads the real folder (41,352 townships, 620,573
// villages) when DUCHA_BENCH_REGIONS=1, and reports the time:
//
//	DUCHA_BENCH_REGIONS=1 go test -run TestImportShippedRegions -v -timeout 30m ./store
//
// DUCHA_REGIONS_DIR names another folder (default ../../shared/data/regions).
func TestImportShippedRegions(t *testing.T) {
	if os.Getenv("DUCHA_BENCH_REGIONS") != "1" {
		t.Skip("set DUCHA_BENCH_REGIONS=1 to import the real region folder")
	}
	dir := os.Getenv("DUCHA_REGIONS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data", "regions")
	}
	ctx := context.Background()
	s := testenv.Store(t)
	for pass := 1; pass <= 2; pass++ {
		start := time.Now()
		n, err := s.ImportRegions(ctx, regions.ReadDir(dir), 1000)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("after %d rows: %v", n, err)
		}
		t.Logf("%s: import %d: %d rows in %v (%.0f rows/s)", testenv.Engine(), pass, n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	}
	c := counts(t, s)
	if c[domain.LevelTownship] != 41_352 || c[domain.LevelVillage] != 620_573 {
		t.Errorf("counts %v, want 41,352 townships and 620,573 villages", c)
	}
}
