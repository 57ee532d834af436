-- +goose Up
-- Notice preferences (issue 14): a user's choice, per kind of notice
-- (entitle.NoticeKinds), to receive it or not. No row: the default —
-- administrators receive every kind, members none. NoticeRecipients reads
-- it with the company's active users.
CREATE TABLE notice_preferences (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    receive    BOOLEAN NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- +goose Down
DROP TABLE notice_preferences;
