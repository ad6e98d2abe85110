"""PostgreSQL: a team lead's role writes only as itself, and only what the approval rules allow.

``data.grants`` lets a team lead's role (named after their offboard login) insert audit events
and write change requests and their decisions; the rules lived in the data layer only, so raw
SQL through that role could name another user as an event's actor (with a correct hash) or
decide a request as another approver, out of turn, or rewrite a decision. Triggers now
refuse, for any role that does not administer (not the tables' owner, a member of it, or a
superuser), every such write; the owner keeps its rights (migrations, ``db grant``, repairs).

What the triggers mirror (``data.retention.requests``, ``.decisions``, ``.pause``):
- ``audit_event``: its actor is the active offboard user whose login is ``current_user`` (one
  check a statement, over the rows it added).
- ``approval``: inserted only, never changed or deleted; by that user, on the step the request
  waits for in its round (every earlier step approved), with that step's key, not on their own
  request, once a round, and only if the step's user or role is theirs.
- ``change_request``: created as a draft by that user; edited only while a draft, rejected or
  recalled; submitted by the user the rules say submits it (a new round, its first step);
  moved to the next step, approved or rejected only after that user's decision on the step;
  recalled by its submitter (or a CRM admin); an approved one is final (a pause may be resumed);
  never deleted.

The chain of steps itself comes from the submitting offboard's playbook (a file, not in the
database) and is stored on the request as it is submitted: the database holds a request to
its stored chain, not to a playbook it cannot read.

The functions pin their ``search_path`` (pg_temp last), so a temporary table cannot stand in
for ``user`` or ``approval``. SQLite has no roles: nothing to do there.
"""

from peewee import PostgresqlDatabase

FUNCTIONS = (
    "offboard_refuse(text)",
    "offboard_administers(oid)",
    "offboard_acting_user()",
    "offboard_audit_actor()",
    "offboard_approval_guard()",
    "offboard_change_request_guard()",
)
TRIGGERS = {
    "audit_event_actor": "audit_event",
    "approval_rules": "approval",
    "change_request_rules": "change_request",
}
EDITABLE = "('draft', 'rejected', 'recalled')"
WORKS_ON = "ARRAY['retention', 'customer-cancellation', 'crm-admin']"  # data.retention.changes

HELPERS = """
CREATE OR REPLACE FUNCTION offboard_refuse(message text) RETURNS void
LANGUAGE plpgsql SET search_path = {path} AS $$
BEGIN
    RAISE EXCEPTION '%', message USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION offboard_administers(relation oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = {path} AS $$
    SELECT COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
        OR pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = relation),
                       'MEMBER')
$$;

CREATE OR REPLACE FUNCTION offboard_acting_user() RETURNS integer
LANGUAGE sql STABLE SET search_path = {path} AS $$
    SELECT id FROM "user" WHERE login = current_user AND active
$$;
"""

AUDIT_ACTOR = """
CREATE OR REPLACE FUNCTION offboard_audit_actor() RETURNS trigger
LANGUAGE plpgsql SET search_path = {path} AS $$
DECLARE
    me integer;
    other integer;
BEGIN
    IF offboard_administers(TG_RELID) THEN
        RETURN NULL;
    END IF;
    me := offboard_acting_user();
    SELECT actor_id INTO other FROM added WHERE actor_id IS DISTINCT FROM me LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF me IS NULL THEN
        PERFORM offboard_refuse(format('You are connected as %s, which is not an active '
            'offboard user: the audit trail is written by the user who acts. Ask the owner '
            'of offboard''s tables to add or reactivate the user %s.', current_user,
            current_user));
    END IF;
    PERFORM offboard_refuse(format('You are connected as %s: an audit event you write names '
        'you (user #%s) as its actor, not user #%s. A team lead''s role records only what '
        'it does itself.', current_user, me, other));
    RETURN NULL;
END $$;
"""

APPROVAL_GUARD = """
CREATE OR REPLACE FUNCTION offboard_approval_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = {path} AS $$
DECLARE
    me integer;
    who record;
    request record;
    step jsonb;
    decides boolean;
BEGIN
    IF offboard_administers(TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM offboard_refuse(format('Decision #%s on change request #%s is final: a team '
            'lead''s role may not change or delete a decision. Reject or recall the request '
            'and submit it again instead.', OLD.id, OLD.request_id));
    END IF;
    me := offboard_acting_user();
    SELECT * INTO who FROM "user" WHERE id = me;
    IF me IS NULL OR NEW.by_id IS DISTINCT FROM me THEN
        PERFORM offboard_refuse(format('You are connected as %s: you decide a change request '
            'only as yourself (user #%s), not as user #%s.', current_user, me, NEW.by_id));
    END IF;
    SELECT * INTO request FROM change_request WHERE id = NEW.request_id;
    IF NOT FOUND OR request.state <> 'submitted' THEN
        PERFORM offboard_refuse(format('Change request #%s is %s, not waiting for approval: '
            'nothing was decided.', NEW.request_id, COALESCE(request.state, 'not there')));
    END IF;
    step := request.chain::jsonb -> NEW.step;
    IF NEW.round IS DISTINCT FROM request.round OR NEW.step IS DISTINCT FROM request.step
        OR step IS NULL
        OR (SELECT count(DISTINCT a.step) FROM approval a WHERE a.request_id = request.id
            AND a.round = request.round AND a.step < NEW.step AND a.decision = 'approved')
            <> NEW.step THEN
        PERFORM offboard_refuse(format('Out of turn: change request #%s waits for step %s of '
            'round %s, not step %s of round %s.', request.id, request.step + 1, request.round,
            NEW.step + 1, NEW.round));
    END IF;
    IF NEW.step_key IS DISTINCT FROM step ->> 'key' THEN
        PERFORM offboard_refuse(format('Step %s of change request #%s is ''%s'', not ''%s''.',
            NEW.step + 1, request.id, step ->> 'key', NEW.step_key));
    END IF;
    IF NEW.decision NOT IN ('approved', 'rejected') THEN
        PERFORM offboard_refuse(format('''%s'' is not a decision: a step is approved or '
            'rejected.', NEW.decision));
    END IF;
    IF me IN (request.created_by_id, request.submitted_by_id) THEN
        PERFORM offboard_refuse(format('%s cannot decide change request #%s: it is your own '
            'request (you created or submitted it).', who.display_name, request.id));
    END IF;
    IF EXISTS (SELECT 1 FROM approval a WHERE a.request_id = request.id
               AND a.round = request.round AND a.by_id = me) THEN
        PERFORM offboard_refuse(format('You already decided a step of change request #%s in '
            'this round: another approver decides the next step.', request.id));
    END IF;
    decides := CASE WHEN COALESCE(step ->> 'user', '') <> '' THEN step ->> 'user' = who.login
        ELSE COALESCE(step ->> 'role' = ANY (string_to_array(who.roles, ',')), false) END;
    IF NOT decides THEN
        PERFORM offboard_refuse(format('%s cannot decide step %s of change request #%s: that '
            'needs %s.', who.display_name, NEW.step + 1, request.id,
            COALESCE('the user ' || NULLIF(step ->> 'user', ''),
                     'the ''' || (step ->> 'role') || ''' role')));
    END IF;
    RETURN NEW;
END $$;
"""

CHANGE_REQUEST_GUARD = """
CREATE OR REPLACE FUNCTION offboard_change_request_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = {path} AS $$
DECLARE
    me integer;
    who record;
    customer_owner integer;
    what text;
    steps integer;
    works boolean;
    same_values boolean;
BEGIN
    IF offboard_administers(TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM offboard_refuse(format('Change request #%s cannot be deleted through a team '
            'lead''s role: recall or reject it instead.', OLD.id));
    END IF;
    what := 'Change request #' || NEW.id;
    me := offboard_acting_user();
    SELECT * INTO who FROM "user" WHERE id = me;
    IF me IS NULL THEN
        PERFORM offboard_refuse(format('You are connected as %s, which is not an active '
            'offboard user: ask the owner of offboard''s tables to add or reactivate it.',
            current_user));
    END IF;
    SELECT owner_id INTO customer_owner FROM customer WHERE id = NEW.customer_id;
    works := COALESCE(me = customer_owner, false)
        OR string_to_array(who.roles, ',') && {works_on};

    IF TG_OP = 'INSERT' THEN
        IF NEW.created_by_id IS DISTINCT FROM me THEN
            PERFORM offboard_refuse(format('You are connected as %s: you create a change '
                'request only as yourself (user #%s), not as user #%s.', current_user, me,
                NEW.created_by_id));
        END IF;
        IF NEW.state <> 'draft' OR NEW.round <> 0 OR NEW.step <> 0 OR NEW.chain <> '[]'
            OR NEW.submitted_by_id IS NOT NULL OR NEW.submitted_at IS NOT NULL
            OR NEW.decided_at IS NOT NULL OR NEW.resumed_at IS NOT NULL
            OR NEW.resumed_by_id IS NOT NULL THEN
            PERFORM offboard_refuse(what || ' is created as a draft (state draft, round 0, no '
                'chain, not submitted or decided): submit it afterwards.');
        END IF;
        IF NOT works THEN
            PERFORM offboard_refuse(format('%s cannot create a change request: only the '
                'customer''s account manager or someone with a retention role may.',
                who.display_name));
        END IF;
        RETURN NEW;
    END IF;

    IF ROW(NEW.id, NEW.customer_id, NEW.kind, NEW.created_by_id, NEW.created_at,
           NEW.cancellation_id)
       IS DISTINCT FROM ROW(OLD.id, OLD.customer_id, OLD.kind, OLD.created_by_id,
           OLD.created_at, OLD.cancellation_id) THEN
        PERFORM offboard_refuse(what || '''s customer, kind, creator and cancellation are '
            'fixed: create a new request instead.');
    END IF;
    same_values := ROW(NEW.effective_date, NEW.end_date, NEW.credit, NEW.notes, NEW.retention)
        IS NOT DISTINCT FROM ROW(OLD.effective_date, OLD.end_date, OLD.credit, OLD.notes,
        OLD.retention);

    IF OLD.state IN {editable} AND NEW.state = OLD.state THEN  -- edit
        IF ROW(NEW.submitted_by_id, NEW.submitted_at, NEW.round, NEW.step, NEW.chain,
               NEW.decided_at, NEW.resumed_at, NEW.resumed_by_id)
           IS DISTINCT FROM ROW(OLD.submitted_by_id, OLD.submitted_at, OLD.round, OLD.step,
               OLD.chain, OLD.decided_at, OLD.resumed_at, OLD.resumed_by_id) THEN
            PERFORM offboard_refuse(what || ' is ' || OLD.state || ': only its values are '
                'edited; its approval changes by submitting it.');
        END IF;
        IF NOT works THEN
            PERFORM offboard_refuse(format('%s cannot edit a change request: only the '
                'customer''s account manager or someone with a retention role may.',
                who.display_name));
        END IF;
        RETURN NEW;
    END IF;

    IF OLD.state IN {editable} AND NEW.state = 'submitted' THEN  -- submit
        IF NOT same_values THEN
            PERFORM offboard_refuse(what || ' is submitted as it is: edit it first, then '
                'submit it.');
        END IF;
        IF NEW.submitted_by_id IS DISTINCT FROM me THEN
            PERFORM offboard_refuse(format('You are connected as %s: you submit a change '
                'request only as yourself (user #%s), not as user #%s.', current_user, me,
                NEW.submitted_by_id));
        END IF;
        IF NEW.round <> OLD.round + 1 OR NEW.step <> 0 OR NEW.decided_at IS NOT NULL
            OR NEW.submitted_at IS NULL
            OR ROW(NEW.resumed_at, NEW.resumed_by_id)
               IS DISTINCT FROM ROW(OLD.resumed_at, OLD.resumed_by_id)
            OR jsonb_typeof(NEW.chain::jsonb) <> 'array' THEN
            PERFORM offboard_refuse(what || ': a submission begins the next round (' ||
                (OLD.round + 1) || ') at its first step, with its chain of steps, undecided.');
        END IF;
        IF OLD.retention THEN
            IF NOT 'retention' = ANY (string_to_array(who.roles, ',')) THEN
                PERFORM offboard_refuse(format('%s cannot submit %s: the retention team took '
                    'part, so only a member of the retention team submits it.',
                    who.display_name, lower(what)));
            END IF;
        ELSIF customer_owner IS NOT NULL THEN
            IF me <> customer_owner THEN
                PERFORM offboard_refuse(format('%s cannot submit %s: without the retention '
                    'team, the account manager submits it.', who.display_name, lower(what)));
            END IF;
        ELSIF NOT 'crm-admin' = ANY (string_to_array(who.roles, ',')) THEN
            PERFORM offboard_refuse(format('%s cannot submit %s: the customer has no account '
                'manager, so a CRM admin submits it.', who.display_name, lower(what)));
        END IF;
        IF OLD.kind = 'pause' AND OLD.end_date IS NULL THEN
            PERFORM offboard_refuse(what || ' pauses the contract but has no end date: set '
                'the date the pause ends first.');
        END IF;
        RETURN NEW;
    END IF;

    IF OLD.state = 'submitted' THEN
        IF NOT same_values THEN
            PERFORM offboard_refuse(what || ' is submitted and locked while it is in '
                'approval: recall it first.');
        END IF;
        IF ROW(NEW.submitted_by_id, NEW.submitted_at, NEW.round, NEW.chain, NEW.resumed_at,
               NEW.resumed_by_id)
           IS DISTINCT FROM ROW(OLD.submitted_by_id, OLD.submitted_at, OLD.round, OLD.chain,
               OLD.resumed_at, OLD.resumed_by_id) THEN
            PERFORM offboard_refuse(what || ' is in approval: its submission, round and chain '
                'of steps are fixed until it is decided or recalled.');
        END IF;
        steps := jsonb_array_length(OLD.chain::jsonb);
        IF NEW.state = 'submitted' THEN  -- the next step
            IF NEW.step = OLD.step AND NEW.decided_at IS NOT DISTINCT FROM OLD.decided_at THEN
                RETURN NEW;
            END IF;
            IF NEW.step <> OLD.step + 1 OR NEW.step >= steps
                OR NEW.decided_at IS DISTINCT FROM OLD.decided_at
                OR NOT EXISTS (SELECT 1 FROM approval a WHERE a.request_id = OLD.id
                    AND a.round = OLD.round AND a.step = OLD.step AND a.decision = 'approved'
                    AND a.by_id = me) THEN
                PERFORM offboard_refuse(format('Out of turn: %s moves to its next step only '
                    'when you approve step %s (offboard change-request approve %s).', lower(what),
                    OLD.step + 1, OLD.id));
            END IF;
            RETURN NEW;
        END IF;
        IF NEW.state = 'approved' THEN
            IF NEW.step <> OLD.step OR NEW.decided_at IS NULL
                OR (SELECT count(DISTINCT a.step) FROM approval a WHERE a.request_id = OLD.id
                    AND a.round = OLD.round AND a.step < steps AND a.decision = 'approved')
                    <> steps
                OR (steps = 0 AND me IS DISTINCT FROM OLD.submitted_by_id)
                OR (steps > 0 AND NOT EXISTS (SELECT 1 FROM approval a
                    WHERE a.request_id = OLD.id AND a.round = OLD.round AND a.step = steps - 1
                    AND a.by_id = me)) THEN
                PERFORM offboard_refuse(what || ' is approved only by the approval of its '
                    'last step, every step before it approved.');
            END IF;
            RETURN NEW;
        END IF;
        IF NEW.state = 'rejected' THEN
            IF NEW.step <> OLD.step OR NEW.decided_at IS NULL
                OR NOT EXISTS (SELECT 1 FROM approval a WHERE a.request_id = OLD.id
                    AND a.round = OLD.round AND a.step = OLD.step AND a.decision = 'rejected'
                    AND a.by_id = me) THEN
                PERFORM offboard_refuse(what || ' is rejected only by your rejection of the '
                    'step it waits for (offboard change-request reject).');
            END IF;
            RETURN NEW;
        END IF;
        IF NEW.state = 'recalled' THEN
            IF NEW.step <> OLD.step OR NEW.decided_at IS DISTINCT FROM OLD.decided_at
                OR (me IS DISTINCT FROM OLD.submitted_by_id
                    AND NOT 'crm-admin' = ANY (string_to_array(who.roles, ','))) THEN
                PERFORM offboard_refuse(format('%s cannot recall %s: only the person who '
                    'submitted it may.', who.display_name, lower(what)));
            END IF;
            RETURN NEW;
        END IF;
    END IF;

    IF OLD.state = 'approved' AND NEW.state = 'approved' AND same_values AND OLD.kind = 'pause'
        AND works AND OLD.resumed_at IS NULL AND NEW.resumed_at IS NOT NULL
        AND NEW.resumed_by_id IS NOT DISTINCT FROM me
        AND ROW(NEW.submitted_by_id, NEW.submitted_at, NEW.round, NEW.step, NEW.chain,
                NEW.decided_at)
            IS NOT DISTINCT FROM ROW(OLD.submitted_by_id, OLD.submitted_at, OLD.round,
                OLD.step, OLD.chain, OLD.decided_at) THEN  -- resume a pause
        RETURN NEW;
    END IF;
    IF OLD.state = 'approved' THEN
        PERFORM offboard_refuse(what || ' is approved: it can no longer be changed.');
    END IF;
    PERFORM offboard_refuse(format('%s cannot go from %s to %s: the approval chain decides '
        'a request (offboard change-request submit, approve, reject, recall).', what,
        OLD.state, NEW.state));
    RETURN NULL;
END $$;
"""


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    schema = db.execute_sql("SELECT current_schema()").fetchone()[0]
    path = '"' + schema.replace('"', '""') + '", pg_temp'
    for sql in (HELPERS, AUDIT_ACTOR, APPROVAL_GUARD, CHANGE_REQUEST_GUARD):
        text = sql.format(path=path, editable=EDITABLE, works_on=WORKS_ON)
        db.execute_sql(text.replace("%", "%%"))  # the driver reads % as a parameter's mark
    db.execute_sql(
        # One check a statement (the rows it added): a bulk write is not slowed row by row.
        "CREATE TRIGGER audit_event_actor AFTER INSERT ON audit_event "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION offboard_audit_actor()"
    )
    db.execute_sql(
        "CREATE TRIGGER approval_rules BEFORE INSERT OR UPDATE OR DELETE ON approval "
        "FOR EACH ROW EXECUTE FUNCTION offboard_approval_guard()"
    )
    db.execute_sql(
        "CREATE TRIGGER change_request_rules BEFORE INSERT OR UPDATE OR DELETE ON change_request "
        "FOR EACH ROW EXECUTE FUNCTION offboard_change_request_guard()"
    )


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for trigger, table in TRIGGERS.items():
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"')
    for function in FUNCTIONS:
        db.execute_sql(f"DROP FUNCTION IF EXISTS {function}")
