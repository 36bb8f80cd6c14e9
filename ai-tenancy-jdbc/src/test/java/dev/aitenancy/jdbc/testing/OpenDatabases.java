package dev.aitenancy.jdbc.testing;

import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The databases one test opened, to drop them all afterwards. */
public final class OpenDatabases {

    private final List<TestDatabase.Db> opened = new ArrayList<>();

    /** A fresh database of the given kind, dropped by {@link #closeAll()}. */
    public DataSource open(TestDatabase kind) {
        TestDatabase.Db db = kind.open();
        opened.add(db);
        return db.dataSource();
    }

    public void closeAll() {
        opened.forEach(TestDatabase.Db::close);
        opened.clear();
    }
}
