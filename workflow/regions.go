package workflow

import (
	"context"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Regions reads the region tree; every signed-in user may.
type Regions struct{ Deps }

// Get returns one region.
func (s *Regions) Get(ctx context.Context, code string) (domain.Region, error) {
	if _, ok := domain.LevelOfCode(code); !ok {
		return domain.Region{}, domain.Errorf(domain.ENotFound, "region %q not found", code)
	}
	return s.Store.Read(ctx).Region(code)
}

// Children lists a region's children by code.
func (s *Regions) Children(ctx context.Context, parent string, p Page) (Paged[domain.Region], error) {
	if _, err := s.Get(ctx, parent); err != nil {
		if domain.ErrorCode(err) == domain.ENotFound {
			var v domain.Validation
			v.AddValue("query.parent", parent, "no such region")
			return Paged[domain.Region]{}, v.Err()
		}
		return Paged[domain.Region]{}, err
	}
	after, err := DecodeCursor(p.Cursor)
	if err != nil {
		return Paged[domain.Region]{}, err
	}
	n := p.Size()
	rs, err := s.Store.Read(ctx).RegionChildren(parent, after, n+1)
	if err != nil {
		return Paged[domain.Region]{}, err
	}
	out := Paged[domain.Region]{Items: rs}
	if len(rs) > n {
		out.Items = rs[:n]
		out.Next = EncodeCursor(rs[n-1].Code)
	}
	return out, nil
}

// Audit reads the audit log.
type Audit struct{ Deps }

// List reads entries newest first, within the actor's subtree.
func (s *Audit) List(ctx context.Context, actor domain.Actor, f store.AuditFilter, p Page) (Paged[store.AuditEntry], error) {
	if err := s.Authz.Check(actor, "audit", "read", actor.RegionCode); err != nil {
		return Paged[store.AuditEntry]{}, err
	}
	before, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[store.AuditEntry]{}, err
	}
	f.Scope = actor.RegionCode
	n := p.Size()
	es, err := s.Store.Read(ctx).ListAudit(f, before, n+1)
	if err != nil {
		return Paged[store.AuditEntry]{}, err
	}
	return page(es, n, func(x store.AuditEntry) int64 { return x.ID }), nil
}

// validateRegion adds a field error at loc unless code names a region of the
// tree. It returns only database errors.
func validateRegion(tx *store.Tx, v *domain.Validation, loc, code string) error {
	if _, ok := domain.LevelOfCode(code); !ok {
		v.AddValue(loc, code, "not a region code")
		return nil
	}
	if _, err := tx.Region(code); err != nil {
		if domain.ErrorCode(err) != domain.ENotFound {
			return err
		}
		v.AddValue(loc, code, "no such region")
	}
	return nil
}
