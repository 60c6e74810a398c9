-- +goose Up
-- Campaigns, their batches and inspections (DOMAIN.md §4). Every stateful
-- table has state, version and updated_at: store.SetState moves them.
CREATE TABLE campaigns (
    id             INTEGER      PRIMARY KEY AUTOINCREMENT,
    name           VARCHAR(200) NOT NULL,
    region_code    VARCHAR(12)  NOT NULL REFERENCES regions (code),
    start_year     INTEGER      NOT NULL,
    end_year       INTEGER      NOT NULL,
    inflow_set_id  INTEGER      NOT NULL,
    outflow_set_id INTEGER      NOT NULL,
    weight_inflow  DOUBLE       NOT NULL,
    weight_outflow DOUBLE       NOT NULL,
    targets        TEXT         NOT NULL DEFAULT '{}',
    focus          TEXT         NOT NULL DEFAULT '',
    round          INTEGER      NOT NULL DEFAULT 1,
    previous_id    INTEGER      NULL REFERENCES campaigns (id),
    state          VARCHAR(32)  NOT NULL,
    version        INTEGER      NOT NULL DEFAULT 1,
    created_by     INTEGER      NULL,
    created_at     DATETIME     NOT NULL,
    updated_at     DATETIME     NOT NULL
);
CREATE INDEX campaigns_region ON campaigns (region_code, id);
-- One next round per campaign.
CREATE UNIQUE INDEX campaigns_previous ON campaigns (previous_id);

CREATE TABLE batches (
    id              INTEGER      PRIMARY KEY AUTOINCREMENT,
    campaign_id     INTEGER      NOT NULL REFERENCES campaigns (id),
    name            VARCHAR(200) NOT NULL,
    self_check_due  DATETIME     NOT NULL,
    site_review_due DATETIME     NOT NULL,
    feedback_due    DATETIME     NOT NULL,
    state           VARCHAR(32)  NOT NULL,
    version         INTEGER      NOT NULL DEFAULT 1,
    launched_at     DATETIME     NULL,
    created_at      DATETIME     NOT NULL,
    updated_at      DATETIME     NOT NULL
);
CREATE INDEX batches_campaign ON batches (campaign_id, id);

-- The regions a batch schedules, in the order given; coverage reads them.
CREATE TABLE batch_regions (
    batch_id    INTEGER     NOT NULL REFERENCES batches (id),
    campaign_id INTEGER     NOT NULL REFERENCES campaigns (id),
    region_code VARCHAR(12) NOT NULL REFERENCES regions (code),
    position    INTEGER     NOT NULL,
    PRIMARY KEY (batch_id, region_code)
);
CREATE INDEX batch_regions_campaign ON batch_regions (campaign_id, region_code);

CREATE TABLE inspections (
    id              INTEGER     PRIMARY KEY AUTOINCREMENT,
    campaign_id     INTEGER     NOT NULL REFERENCES campaigns (id),
    batch_id        INTEGER     NOT NULL REFERENCES batches (id),
    region_code     VARCHAR(12) NOT NULL REFERENCES regions (code),
    self_check_due  DATETIME    NOT NULL,
    site_review_due DATETIME    NOT NULL,
    feedback_due    DATETIME    NOT NULL,
    overdue_phase   VARCHAR(32) NULL,
    overdue_since   DATETIME    NULL,
    state           VARCHAR(32) NOT NULL,
    version         INTEGER     NOT NULL DEFAULT 1,
    created_at      DATETIME    NOT NULL,
    updated_at      DATETIME    NOT NULL
);
CREATE UNIQUE INDEX inspections_batch_region ON inspections (batch_id, region_code);
CREATE INDEX inspections_region ON inspections (region_code, id);
CREATE INDEX inspections_campaign ON inspections (campaign_id, id);
CREATE INDEX inspections_overdue ON inspections (overdue_phase, id);

-- Reminders sent and overdue marks made by the deadline tasks: one row per
-- inspection, phase and notice, so that a notice is never sent twice.
CREATE TABLE deadline_notices (
    id            INTEGER     PRIMARY KEY AUTOINCREMENT,
    inspection_id INTEGER     NOT NULL REFERENCES inspections (id),
    phase         VARCHAR(32) NOT NULL,
    kind          VARCHAR(32) NOT NULL,
    due_at        DATETIME    NOT NULL,
    sent_at       DATETIME    NOT NULL
);
CREATE UNIQUE INDEX deadline_notices_once ON deadline_notices (inspection_id, phase, kind);

-- Unaccepted rectifications of a completed campaign, carried into its next
-- round as open items.
CREATE TABLE carried_items (
    id                 INTEGER     PRIMARY KEY AUTOINCREMENT,
    campaign_id        INTEGER     NOT NULL REFERENCES campaigns (id),
    from_campaign_id   INTEGER     NOT NULL REFERENCES campaigns (id),
    from_inspection_id INTEGER     NOT NULL REFERENCES inspections (id),
    region_code        VARCHAR(12) NOT NULL,
    from_state         VARCHAR(32) NOT NULL,
    state              VARCHAR(32) NOT NULL,
    version            INTEGER     NOT NULL DEFAULT 1,
    created_at         DATETIME    NOT NULL,
    updated_at         DATETIME    NOT NULL
);
CREATE UNIQUE INDEX carried_items_once ON carried_items (campaign_id, from_inspection_id);

-- +goose Down
DROP TABLE carried_items;
DROP TABLE deadline_notices;
DROP TABLE inspections;
DROP TABLE batch_regions;
DROP TABLE batches;
DROP TABLE campaigns;
