# The peer for bench/run (sourced, not run): Django-CRM, the open-source CRM published
# on PyPI as `django-crm` (MicroPyramid), installed in a virtualenv under the scratch
# folder, started on loopback with Django's own server, and measured through its REST
# API: create a contact, read one, list, search by name fragment and by email.
#
# What its package needs, found by running it:
# - it declares no dependencies and ships no manage.py; the versions below are the last
#   ones its code still runs on (Django 3.2: it uses django.conf.urls.url; DRF < 3.14:
#   drf-yasg 1.20 needs NullBooleanField; PyJWT 1: djangorestframework-jwt);
# - its settings take the database from DBNAME/DBHOST/... and only support PostgreSQL;
# - tasks are sent to Celery on every create; with no broker running they go to an
#   in-memory broker (CELERY_BROKER_URL=memory://) and are never run;
# - a contact's first name must be unique (the create below numbers them);
# - creating a contact reads `settings.Domain`, which Django never copies from its
#   settings module (not upper case), so every create answers 500 after saving; the
#   manage.py written here sets it.
# Nothing of it enters the repository.

PEER_PKGS=(
  "django-crm==0.9.0" "Django>=3.2,<3.3" "djangorestframework<3.14" "djangorestframework-jwt==1.11.0"
  "PyJWT<2" "drf-yasg<1.21" "celery<5.3" "django-cors-headers<4" "django-ses<4"
  "django-phonenumber-field<6" phonenumbers python-dotenv django-settings-export
  psycopg2-binary arrow pytz six sentry-sdk "setuptools<70"
)

peer_bench() {
  local dir="$SCRATCH/peer" log="$RUN/peer.log"
  PEER_WHY=""
  if [ "$SKIP_PG" = 1 ]; then
    PEER_WHY="it runs only on PostgreSQL, which is skipped"
    return 1
  fi
  mkdir -p "$dir/proj"
  local stamp="$dir/venv/.installed-$(printf '%s\n' "${PEER_PKGS[@]}" | cksum | cut -d' ' -f1)"
  if [ ! -e "$stamp" ]; then
    rm -rf "$dir/venv"
    python3 -m venv "$dir/venv" >>"$log" 2>&1 || { PEER_WHY="python3 -m venv failed"; return 1; }
    "$dir/venv/bin/pip" install -q "${PEER_PKGS[@]}" >>"$log" 2>&1 \
      || { PEER_WHY="pip install failed (see peer.log)"; return 1; }
    touch "$stamp"
  fi
  cat >"$dir/proj/manage.py" <<'EOF'
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
from django.conf import settings  # noqa: E402

settings.Domain = "127.0.0.1"
from django.core.management import execute_from_command_line  # noqa: E402

execute_from_command_line(sys.argv)
EOF
  cat >"$dir/proj/bench_settings.py" <<'EOF'
# The package's settings, with the database given the way they read it, and quiet logs.
from crm.settings import *  # noqa: F401,F403

LOGGING = {"version": 1}
EOF
  local pgdb="${PGDB}_peer" py="$dir/venv/bin/python"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $pgdb" -c "CREATE DATABASE $pgdb" >>"$log" 2>&1
  export DBNAME="$pgdb" DBUSER=postgres DBPASSWORD="" DBHOST=127.0.0.1 DBPORT=5432 CELERY_BROKER_URL="memory://"
  (cd "$dir/proj" && "$py" manage.py migrate -v 0) >>"$log" 2>&1 || { PEER_WHY="migrate failed (see peer.log)"; return 1; }

  # The same number of contacts as Rapport has people, written in bulk through its ORM.
  local n="$PG_PEOPLE"
  say "peer: $n contacts"
  (cd "$dir/proj" && "$py" manage.py shell -c "
from common.models import Address, User
from contacts.models import Contact
u = User(username='bench', email='bench@example.com', role='ADMIN', is_admin=True, is_active=True)
u.set_password('bench-password')
u.save()
names = ['Olivia', 'Liam', 'Diya', 'Mateo', 'Amara', 'Noah', 'Yuki', 'Sofia']
last = ['Anderson', 'Singh', 'Garcia', 'Okafor', 'Tanaka', 'Müller', 'Rossi', 'Kowalski']
for start in range(0, $n, 5000):
    rng = range(start, min($n, start + 5000))
    addrs = Address.objects.bulk_create([Address(city='London') for _ in rng])
    Contact.objects.bulk_create([Contact(first_name=names[i % 8], last_name=last[i // 8 % 8],
        email=f'p{i}@example.com', address=a, created_by=u) for i, a in zip(rng, addrs)])
") >>"$log" 2>&1 || { PEER_WHY="loading contacts failed (see peer.log)"; return 1; }

  local port
  port=$(free_port)
  (cd "$dir/proj" && exec "$py" manage.py runserver "127.0.0.1:$port" --noreload) >>"$log" 2>&1 &
  local ppid=$!
  PIDS+=("$ppid")
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/api/auth/login/" && break
    sleep 0.1
  done
  local jwt
  jwt=$(curl -fs -X POST -H 'Content-Type: application/json' \
    -d '{"email": "bench@example.com", "password": "bench-password"}' \
    "http://127.0.0.1:$port/api/auth/login/" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])') \
    || { PEER_WHY="login failed (see peer.log)"; return 1; }
  local cid
  cid=$(curl -fs -H "Authorization: JWT $jwt" "http://127.0.0.1:$port/api/contacts/?limit=1" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["contact_obj_list"][0]["id"])') \
    || { PEER_WHY="listing contacts failed (see peer.log)"; return 1; }

  python3 "$BENCH/http_latency.py" "127.0.0.1:$port" "JWT $jwt" "$((COUNT < 20 ? COUNT : 20))" \
    "/api/contacts/?name=Oliv&limit=20" "/api/contacts/?email=p7@example.com&limit=20" \
    "/api/contacts/$cid/" "/api/contacts/?limit=50" \
    'POST /api/contacts/ {"first_name": "Bench {n}", "last_name": "Person", "email": "bench{n}@example.com", "address_line": "1 Main St", "city": "London"}' \
    >"$RUN/latency-peer.tsv"
  local labels=("search by name fragment (\`?name=Oliv\`)" "search by email (\`?email=\`)" "read a contact"
    "list contacts (50)" "create a contact") i=0 path p50 p99 status
  local what="Django-CRM 0.9.0 (PyPI \`django-crm\`, Django 3.2 dev server, PostgreSQL) at $n contacts"
  while IFS=$'\t' read -r path p50 p99 status; do
    local w="peer, $what: ${labels[$i]}, sequential"
    case "$status" in 2??) ;; *) w="$w (HTTP $status!)" ;; esac
    row "$w" "p50 $p50 ms, p99 $p99 ms" "—" "—"
    i=$((i + 1))
  done <"$RUN/latency-peer.tsv"
  load_test "http://127.0.0.1:$port/api/contacts/$cid/" "Authorization: JWT $jwt"
  [ -z "$RPS" ] || row "peer: read a contact under load (wrk -t2 -c16 ${DURATION}s)" "$RPS req/s, p50 $P50 ms, p99 $P99 ms" "—" "—"
  local rss
  rss=$(awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/$ppid/status")
  row "peer: server peak RSS" "$rss MiB" "—" "—"
  kill "$ppid"; wait "$ppid" 2>/dev/null || true
  unset 'PIDS[-1]'
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $pgdb" >>"$log" 2>&1 || true
}
