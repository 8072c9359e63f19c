/**
 * The migrations are written by hand, so this test holds them to schema.prisma: every model is a
 * table, every field a column of the right type and nullability, every enum a type with the
 * same values — and the database has no column the schema does not know.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

interface FieldSpec {
  model: string;
  field: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
  nativeType: string | undefined;
}

const SCHEMA = readFileSync(fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url)), 'utf8');
const SCALARS = new Set(['String', 'Int', 'BigInt', 'Boolean', 'DateTime', 'Json', 'Float', 'Decimal', 'Bytes']);

function parseSchema() {
  const enums = new Map<string, string[]>();
  for (const [, name, body] of SCHEMA.matchAll(/^enum (\w+) \{([^}]*)\}/gm)) {
    enums.set(
      name!,
      body!
        .split('\n')
        .map((line) => line.replace(/\/\/.*$/, '').trim())
        .filter(Boolean),
    );
  }
  const tables = new Map<string, FieldSpec[]>();
  for (const [, model, body] of SCHEMA.matchAll(/^model (\w+) \{([^}]*)\}/gm)) {
    const lines = body!
      .split('\n')
      .map((line) => line.replace(/\/\/.*$/, '').trim())
      .filter(Boolean);
    const table = /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? model!;
    const fields: FieldSpec[] = [];
    for (const line of lines) {
      if (line.startsWith('@@')) continue;
      const match = /^(\w+)\s+(Unsupported\("\w+"\)|\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!match) continue;
      const [, field, rawType, list, optional, attributes] = match;
      // Unsupported("tstzrange") is a column of that PostgreSQL type.
      const type = /^Unsupported\("(\w+)"\)$/.exec(rawType!)?.[1] ?? rawType!;
      if (!SCALARS.has(type) && !enums.has(type) && type === rawType) continue; // a relation, not a column
      fields.push({
        model: model!,
        field: field!,
        column: /@map\("([^"]+)"\)/.exec(attributes!)?.[1] ?? field!,
        type,
        optional: optional === '?',
        list: list === '[]',
        nativeType: /@db\.(\w+)/.exec(attributes!)?.[1],
      });
    }
    tables.set(table, fields);
  }
  return { enums, tables };
}

/** What PostgreSQL reports (information_schema udt_name) for a Prisma type. */
function expectedUdt(spec: FieldSpec): string {
  const base =
    spec.nativeType === 'Uuid'
      ? 'uuid'
      : spec.nativeType === 'Timestamptz'
        ? 'timestamptz'
        : ((
            {
              String: 'text',
              Int: 'int4',
              BigInt: 'int8',
              Boolean: 'bool',
              DateTime: 'timestamp',
              Json: 'jsonb',
              Float: 'float8',
              Decimal: 'numeric',
              Bytes: 'bytea',
            } as Record<string, string>
          )[spec.type] ?? spec.type);
  return spec.list ? `_${base}` : base;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const schema = parseSchema();

// Tables that are not ours to model: the migration record, and Agenda's (its backend creates them).
const FOREIGN_TABLES = ['_prisma_migrations', 'agenda_jobs', 'agenda_logs'];

test('every table in the database is a model in schema.prisma, and the other way round', async () => {
  const rows = await db.prisma.$queryRaw<Array<{ table_name: string }>>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const tables = rows.map((row) => row.table_name).filter((name) => !FOREIGN_TABLES.includes(name));
  expect(tables.sort()).toEqual([...schema.tables.keys()].sort());
  // A parser that found nothing would make every other check here pass vacuously.
  expect(schema.tables.get('reservation')!.length).toBeGreaterThan(20);
});

test.each([...schema.tables.keys()])('table %s matches schema.prisma column by column', async (table) => {
  const columns = await db.prisma.$queryRaw<Array<{ column_name: string; udt_name: string; is_nullable: string }>>`
    SELECT column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table}`;
  const actual = new Map(columns.map((column) => [column.column_name, column]));
  const specs = schema.tables.get(table)!;
  for (const spec of specs) {
    const column = actual.get(spec.column);
    expect({ field: `${spec.model}.${spec.field}`, column: column?.column_name, type: column?.udt_name }).toEqual({
      field: `${spec.model}.${spec.field}`,
      column: spec.column,
      type: expectedUdt(spec),
    });
    // Prisma creates list columns nullable; every other field is NOT NULL unless optional.
    expect({ field: spec.field, nullable: column!.is_nullable === 'YES' }).toEqual({
      field: spec.field,
      nullable: spec.optional || spec.list,
    });
  }
  expect([...actual.keys()].sort()).toEqual(specs.map((spec) => spec.column).sort());
});

test.each([...schema.enums.keys()])('enum %s has the same values in the database', async (name) => {
  const rows = await db.prisma.$queryRaw<Array<{ label: string }>>`
    SELECT e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = ${name} ORDER BY e.enumsortorder`;
  expect(rows.map((row) => row.label)).toEqual(schema.enums.get(name));
});
