package api_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ducha/ducha/testenv"
)

// campRace sends n identical requests at once and counts the answers by status.
func campRace(e *campEnv, n int, send func() int) map[int]int {
	var (
		mu     sync.Mutex
		counts = map[int]int{}
		start  = make(chan struct{})
		wg     sync.WaitGroup
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s := send()
			mu.Lock()
			counts[s]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return counts
}

func campCountEvents(rows []map[string]any, event string) int {
	n := 0
	for _, r := range rows {
		if r["event"] == event {
			n++
		}
	}
	return n
}

// TestCampaignTransitionRace fires 50 identical transitions at once, on
// whichever database the tests run on (SQLite, or MariaDB with
// DUCHA_TEST_MYSQL): exactly one applies, with one audit row; the others are
// 409 and change nothing.
func TestCampaignTransitionRace(t *testing.T) {
	const n = 50
	e := newCampEnv(t, testenv.AppOptions{})
	c := e.createCampaign(e.admin(), e.campaignBody("race", "0", 2026, 2028))
	regions := []string{"11", "12", "13", "14", "15"}
	b := e.createBatch(e.admin(), c.ID, e.batchBody("race", regions))
	_, _, outboxBefore := campOutbox(t, e)

	// 50 launches of one batch.
	started := time.Now()
	counts := campRace(e, n, func() int { return e.fire(e.admin(), "batches", b.ID, "launch", nil).Status })
	t.Logf("%s: %d concurrent launches in %v: %v", testenv.Engine(), n, time.Since(started), counts)
	if counts[200] != 1 || counts[409] != n-1 {
		t.Fatalf("launch answers %v, want one 200 and %d 409", counts, n-1)
	}
	if got := campCountEvents(e.audit("batch", b.ID), "launch"); got != 1 {
		t.Errorf("%d launch audit rows", got)
	}
	if got := e.batch(e.admin(), b.ID); got.State != "self_check" || got.Version != 2 {
		t.Errorf("batch after the race: %s v%d", got.State, got.Version)
	}
	ins := e.inspections(e.admin(), "batch_id="+campItoa(b.ID))
	if len(ins) != len(regions) {
		t.Errorf("%d inspections, want %d", len(ins), len(regions))
	}
	if got := campCountEvents(e.audit("campaign", c.ID), "activate"); got != 1 {
		t.Errorf("%d campaign activations", got)
	}
	// 3 phases × (2 reminders + 1 overdue mark), once.
	if _, _, after := campOutbox(t, e); after-outboxBefore != 9 {
		t.Errorf("%d deadline tasks recorded, want 9", after-outboxBefore)
	}

	// 50 submissions of one self-check, by its province.
	in := ins[0]
	tok := e.coordinator(in.RegionCode)
	counts = campRace(e, n, func() int { return e.fire(tok, "inspections", in.ID, "submit_self_check", nil).Status })
	if counts[200] != 1 || counts[409] != n-1 {
		t.Fatalf("submit answers %v", counts)
	}
	if got := campCountEvents(e.audit("inspection", in.ID), "submit_self_check"); got != 1 {
		t.Errorf("%d submit audit rows", got)
	}
	if got := e.inspection(e.admin(), in.ID); got.Version != 3 {
		t.Errorf("inspection at version %d, want 3", got.Version)
	}

	// 50 clients that all saw version 2 of the batch and move it on: one
	// wins; a loser is 409 or, when it reads after the winner, 412.
	e.setClock(b.SelfCheckDue.Add(time.Hour))
	counts = campRace(e, n, func() int {
		return e.fire(e.admin(), "batches", b.ID, "start_site_review",
			map[string]any{"force": true, "reason": "逾期", "if_match": `"2"`}).Status
	})
	if counts[200] != 1 || counts[409]+counts[412] != n-1 {
		t.Fatalf("forced answers %v", counts)
	}
	if got := campCountEvents(e.audit("batch", b.ID), "start_site_review"); got != 1 {
		t.Errorf("%d start_site_review audit rows", got)
	}
}

// TestCampaignActivationRace launches many batches of one campaign at once:
// each launches, and the campaign is activated exactly once.
func TestCampaignActivationRace(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{})
	c := e.createCampaign(e.admin(), e.campaignBody("race", "0", 2026, 2028))
	provinces := e.regionCodes("0")
	var ids []int64
	for i, p := range provinces[:20] {
		ids = append(ids, e.createBatch(e.admin(), c.ID, e.batchBody("b"+campItoa(int64(i)), []string{p})).ID)
	}
	var mu sync.Mutex
	next := 0
	counts := campRace(e, len(ids), func() int {
		mu.Lock()
		id := ids[next]
		next++
		mu.Unlock()
		return e.fire(e.admin(), "batches", id, "launch", nil).Status
	})
	if counts[200] != len(ids) {
		t.Fatalf("launch answers %v", counts)
	}
	cc := e.campaign(e.admin(), c.ID)
	if cc.State != "active" || cc.Version != 2 {
		t.Errorf("campaign %s v%d", cc.State, cc.Version)
	}
	if got := campCountEvents(e.audit("campaign", c.ID), "activate"); got != 1 {
		t.Errorf("%d activations", got)
	}
}

func campOutbox(t *testing.T, e *campEnv) (pending, done, total int64) {
	t.Helper()
	p, d, err := e.Store.Read(context.Background()).OutboxCounts()
	if err != nil {
		t.Fatal(err)
	}
	return p, d, p + d
}
