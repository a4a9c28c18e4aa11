// The HDFS test peer: one NameNode and two DataNodes (Hadoop's MiniDFSCluster) in this JVM, on 127.0.0.1 only.
//
//   java -Xmx256m -cp '<lib>/*:<classes>' HdfsPeer <namenode-rpc-port> <data-dir>
//
// Every address (NameNode RPC/HTTP, DataNode transfer/IPC/HTTP) is bound to 127.0.0.1; ports other than the
// NameNode's RPC port are ephemeral. The name directory is formatted on each start (data-dir is wiped by the
// caller). Small blocks (1 MiB) so that tests cross block boundaries with a few MiB. `/` is made world-writable
// (mode 1777, like /tmp) so any hdfsUser can write; the JVM's OS user (root) is the HDFS superuser.
// When everything is up, `<data-dir>/ready` holds the NameNode address and the DataNodes' transfer addresses.
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;

public class HdfsPeer {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: HdfsPeer <namenode-rpc-port> <data-dir>");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    File dir = new File(args[1]).getAbsoluteFile();
    File ready = new File(dir, "ready");
    ready.delete();

    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(dir, "dfs").getPath());
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.servicerpc-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.https-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.namenode.https-address", "127.0.0.1:0");
    conf.set("dfs.namenode.secondary.http-address", "127.0.0.1:0");
    conf.set("dfs.namenode.backup.address", "127.0.0.1:0");
    conf.set("dfs.namenode.backup.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.https.address", "127.0.0.1:0");
    conf.set("dfs.journalnode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.journalnode.http-address", "127.0.0.1:0");
    conf.set("dfs.replication", "2");
    conf.setLong("dfs.blocksize", 1024 * 1024);
    conf.setLong("dfs.namenode.fs-limits.min-block-size", 1024 * 1024);
    conf.set("dfs.permissions.enabled", "true");
    conf.set("hadoop.security.authentication", "simple");
    // complete() and addBlock() may go on while the file's last blocks are COMMITTED but not yet reported by the
    // DataNodes: the Go client (colinmarc/hdfs) retries neither a `false` from complete() nor
    // NotReplicatedYetException and would fail at random ("replication in progress"). complete() requires every
    // block but the last `num-committed-allowed` to be COMPLETE (FSNamesystem.checkBlocksComplete), so with 1 a
    // DataNode's report of the second-to-last block arriving late under load failed Go's save of a 4-block file
    // (a CI run of 2026-12-05); 8 covers every multi-block file the tests write. The allowance only applies to
    // blocks expecting more replicas than dfs.namenode.replication.min (1): hence two DataNodes and replication 2
    // (which also puts a two-node pipeline under every write).
    conf.setInt("dfs.namenode.file.close.num-committed-allowed", 8);
    // Datanode heartbeats often, so a fresh cluster takes writes at once.
    conf.setLong("dfs.heartbeat.interval", 1);

    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, new File(dir, "dfs"))
        .nameNodePort(port)
        .nameNodeHttpPort(0)
        .numDataNodes(2)
        .format(true)
        .manageNameDfsDirs(true)
        .manageDataDfsDirs(true)
        .checkDataNodeAddrConfig(true)
        .checkDataNodeHostConfig(true)
        .build();
    cluster.waitActive();

    FileSystem fs = cluster.getFileSystem();
    fs.setPermission(new Path("/"), new FsPermission((short) 01777));

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        cluster.shutdown();
      } catch (Throwable t) {
        // exiting anyway
      }
    }));

    String nn = "127.0.0.1:" + cluster.getNameNodePort();
    StringBuilder dn = new StringBuilder();
    for (org.apache.hadoop.hdfs.server.datanode.DataNode d : cluster.getDataNodes()) {
      java.net.InetSocketAddress x = d.getXferAddress();
      dn.append(dn.length() == 0 ? "" : " ").append(x.getAddress().getHostAddress()).append(":").append(x.getPort());
    }
    Files.write(ready.toPath(), (nn + "\n" + dn + "\n").getBytes(StandardCharsets.UTF_8));
    System.out.println("HDFS peer ready: namenode " + nn + ", datanode " + dn);
    Thread.currentThread().join();
  }
}
