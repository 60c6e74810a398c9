-- +goose Up
-- Campaigns, their batches and inspections (DOMAIN.md §4). Every stateful
-- table has state, version and updated_at: store.SetState moves them.
CREATE TABLE campaigns (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name           VARCHAR(200) NOT NULL,
    region_code    VARCHAR(12)  NOT NULL,
    start_year     INT          NOT NULL,
    end_year       INT          NOT NULL,
    inflow_set_id  BIGINT       NOT NULL,
    outflow_set_id BIGINT       NOT NULL,
    weight_inflow  DOUBLE       NOT NULL,
    weight_outflow DOUBLE       NOT NULL,
    targets        TEXT         NOT NULL,
    focus          TEXT         NOT NULL,
    round          INT          NOT NULL DEFAULT 1,
    previous_id    BIGINT       NULL,
    state          VARCHAR(32)  NOT NULL,
    version        INT          NOT NULL DEFAULT 1,
    created_by     BIGINT       NULL,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    KEY campaigns_region (region_code, id),
    UNIQUE KEY campaigns_previous (previous_id),
    CONSTRAINT campaigns_region_fk FOREIGN KEY (region_code) REFERENCES regions (code),
    CONSTRAINT campaigns_previous_fk FOREIGN KEY (previous_id) REFERENCES campaigns (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE batches (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    campaign_id     BIGINT       NOT NULL,
    name            VARCHAR(200) NOT NULL,
    self_check_due  DATETIME(6)  NOT NULL,
    site_review_due DATETIME(6)  NOT NULL,
    feedback_due    DATETIME(6)  NOT NULL,
    state           VARCHAR(32)  NOT NULL,
    version         INT          NOT NULL DEFAULT 1,
    launched_at     DATETIME(6)  NULL,
    created_at      DATETIME(6)  NOT NULL,
    updated_at      DATETIME(6)  NOT NULL,
    KEY batches_campaign (campaign_id, id),
    CONSTRAINT batches_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The regions a batch schedules, in the order given; coverage reads them.
CREATE TABLE batch_regions (
    batch_id    BIGINT      NOT NULL,
    campaign_id BIGINT      NOT NULL,
    region_code VARCHAR(12) NOT NULL,
    position    INT         NOT NULL,
    PRIMARY KEY (batch_id, region_code),
    KEY batch_regions_campaign (campaign_id, region_code),
    CONSTRAINT batch_regions_batch_fk FOREIGN KEY (batch_id) REFERENCES batches (id),
    CONSTRAINT batch_regions_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id),
    CONSTRAINT batch_regions_region_fk FOREIGN KEY (region_code) REFERENCES regions (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE inspections (
    id              BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    campaign_id     BIGINT      NOT NULL,
    batch_id        BIGINT      NOT NULL,
    region_code     VARCHAR(12) NOT NULL,
    self_check_due  DATETIME(6) NOT NULL,
    site_review_due DATETIME(6) NOT NULL,
    feedback_due    DATETIME(6) NOT NULL,
    overdue_phase   VARCHAR(32) NULL,
    overdue_since   DATETIME(6) NULL,
    state           VARCHAR(32) NOT NULL,
    version         INT         NOT NULL DEFAULT 1,
    created_at      DATETIME(6) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    UNIQUE KEY inspections_batch_region (batch_id, region_code),
    KEY inspections_region (region_code, id),
    KEY inspections_campaign (campaign_id, id),
    KEY inspections_overdue (overdue_phase, id),
    CONSTRAINT inspections_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id),
    CONSTRAINT inspections_batch_fk FOREIGN KEY (batch_id) REFERENCES batches (id),
    CONSTRAINT inspections_region_fk FOREIGN KEY (region_code) REFERENCES regions (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Reminders sent and overdue marks made by the deadline tasks: one row per
-- inspection, phase and notice, so that a notice is never sent twice.
CREATE TABLE deadline_notices (
    id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    inspection_id BIGINT      NOT NULL,
    phase         VARCHAR(32) NOT NULL,
    kind          VARCHAR(32) NOT NULL,
    due_at        DATETIME(6) NOT NULL,
    sent_at       DATETIME(6) NOT NULL,
    UNIQUE KEY deadline_notices_once (inspection_id, phase, kind),
    CONSTRAINT deadline_notices_inspection_fk FOREIGN KEY (inspection_id) REFERENCES inspections (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Unaccepted rectifications of a completed campaign, carried into its next
-- round as open items.
CREATE TABLE carried_items (
    id                 BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    campaign_id        BIGINT      NOT NULL,
    from_campaign_id   BIGINT      NOT NULL,
    from_inspection_id BIGINT      NOT NULL,
    region_code        VARCHAR(12) NOT NULL,
    from_state         VARCHAR(32) NOT NULL,
    state              VARCHAR(32) NOT NULL,
    version            INT         NOT NULL DEFAULT 1,
    created_at         DATETIME(6) NOT NULL,
    updated_at         DATETIME(6) NOT NULL,
    UNIQUE KEY carried_items_once (campaign_id, from_inspection_id),
    CONSTRAINT carried_items_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaigns (id),
    CONSTRAINT carried_items_from_campaign_fk FOREIGN KEY (from_campaign_id) REFERENCES campaigns (id),
    CONSTRAINT carried_items_inspection_fk FOREIGN KEY (from_inspection_id) REFERENCES inspections (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE carried_items;
DROP TABLE deadline_notices;
DROP TABLE inspections;
DROP TABLE batch_regions;
DROP TABLE batches;
DROP TABLE campaigns;
