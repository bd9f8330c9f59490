-- Daily cost budgets, shared by every process on this database. One row per budget and UTC day: what the day's
-- judgments cost (spent) and what calls in flight hold back (reserved, each call's largest possible cost). A call is
-- sent only after one conditional update moved its reservation in, so that replicas cannot overrun a budget together.
CREATE TABLE budget_spend (
    budget   VARCHAR(300)     NOT NULL,
    day      DATE             NOT NULL,
    spent    DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (spent >= 0),
    reserved DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    PRIMARY KEY (budget, day)
);

-- Reservations of calls in flight, settled to the actual cost when their judgment is written; one whose process died
-- expires and hands its amount back, so that no reservation holds a budget forever.
CREATE TABLE budget_reservation (
    reservation_id UUID             PRIMARY KEY,
    day            DATE             NOT NULL,
    budgets        TEXT[]           NOT NULL,
    amount         DOUBLE PRECISION NOT NULL CHECK (amount >= 0),
    expires_at     TIMESTAMPTZ      NOT NULL
);
CREATE INDEX budget_reservation_expires_idx ON budget_reservation (expires_at);
